"""The embedded Qwen2.5-Coder-1.5B-Instruct end to end (slow: a minute or more per story on 2 cores)."""

from __future__ import annotations

import pytest

from engine.progress import null_reporter
from engine.story import StoryRequest

pytestmark = pytest.mark.slow


@pytest.fixture
def qwen(monkeypatch):
    """The real data home (where `engine assets` assembled the GGUF), not the per-test one."""
    monkeypatch.delenv("DIGITELLER_HOME", raising=False)
    pytest.importorskip("llama_cpp")
    from engine.text.assets import qwen_path

    if not qwen_path().is_file():
        pytest.skip("the Qwen GGUF is not assembled (python -m engine assets)")
    from engine.text.backends import get_backend

    return get_backend("qwen")


def _check(story, prompt: str, nouns: set[str], duration: float, rate: float) -> None:
    from engine.text.filters import invented_words, other_script_tokens
    from engine.text.morph import tokens

    assert story.backends["text"].startswith("qwen2.5-coder-1.5b-instruct")
    assert story.text.startswith(prompt)
    assert other_script_tokens(story.text, story.lang) == []
    assert invented_words(story.text, story.lang, [c.name for c in story.cast]) == []
    rest = {t.lemma.lower() for t in tokens(story.text[len(prompt) :], story.lang)}
    assert nouns & rest, f"none of the prompt's nouns {nouns} comes back"
    target = duration * rate
    assert abs(len(story.text) - target) <= 0.15 * target, (len(story.text), target)
    assert story.cast and story.cast[0].hero and all(s.characters for s in story.scenes)


def test_qwen_writes_a_short_russian_story(qwen):
    from engine.text.writer import StoryWriter

    prompt = "Жил-был маленький дракон, который боялся темноты."
    story = StoryWriter("qwen", qwen).write(
        StoryRequest(prompt, duration=40, seed=11), null_reporter(), chars_per_second=13.0
    )
    assert story.lang == "ru"
    _check(story, prompt, {"дракон", "темнота"}, 40, 13.0)


def test_qwen_writes_a_short_english_story(qwen):
    from engine.text.writer import StoryWriter

    prompt = "A shy dragon opens a bakery in a small mountain village."
    story = StoryWriter("qwen", qwen).write(
        StoryRequest(prompt, duration=40, seed=11), null_reporter(), chars_per_second=14.0
    )
    assert story.lang == "en"
    _check(story, prompt, {"dragon", "bakery", "village"}, 40, 14.0)


def test_qwen_does_not_copy_a_sentence_of_its_prompt(qwen):
    """DRY sees the prompt: asked to repeat a sentence three times, the model cannot copy it whole
    (without DRY it writes it three times, word for word — measured with this seed)."""
    sentence = "The quick brown fox jumps over the lazy dog near the old river bank."
    messages = [{"role": "user", "content": f"Repeat this sentence exactly, three times: {sentence}"}]
    answer = qwen.chat(messages, max_tokens=60, seed=1, temperature=0.65)
    assert answer.count(sentence) == 0, answer
