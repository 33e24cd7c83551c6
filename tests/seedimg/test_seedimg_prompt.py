"""The English text CLIP reads, and that hostile text only ever reaches the tokenizer."""

from __future__ import annotations

from seedimg_tiny import make_story

from engine.images.backends.clip_guided.prompt import MAX_CHARS, clip_prompt


def test_english_keywords_make_the_prompt():
    story = make_story(keywords_en=["dragon", "castle", "  forest "])
    prompt = clip_prompt(story.scenes[0], story)
    assert prompt.text == "a storybook illustration of dragon, castle, forest"
    assert prompt.english and not prompt.note


def test_russian_fallback_is_used_and_flagged():
    story = make_story(keywords_en=[], image_prompt="дракон замок")
    prompt = clip_prompt(story.scenes[0], story)
    assert "дракон замок" in prompt.text
    assert not prompt.english and "English" in prompt.note


def test_genre_sets_the_style_and_empty_scenes_still_get_a_prompt():
    story = make_story(keywords_en=[], image_prompt="")
    story.genre = "scifi"
    story.scenes[0].text = "   "
    prompt = clip_prompt(story.scenes[0], story)
    assert prompt.text.startswith("a science fiction")
    assert prompt.note


def test_hostile_text_is_only_shortened():
    hostile = "../../etc/passwd; rm -rf / $(reboot) `id` <b>&amp;</b> \\x00 \"'🐉" * 40
    story = make_story(keywords_en=[hostile])
    prompt = clip_prompt(story.scenes[0], story)
    assert len(prompt.text) <= MAX_CHARS
    assert "\n" not in prompt.text
