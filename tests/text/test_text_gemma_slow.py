"""The real embedded model end to end: Gemma 3 270M writes a Russian story (slow: ~1 minute on 2 cores)."""

from __future__ import annotations

import re

import pytest

from engine.progress import null_reporter
from engine.story import StoryRequest

pytestmark = pytest.mark.slow


@pytest.fixture
def real_home(monkeypatch):
    """Use the real data home (where setup assembled the GGUF), not the per-test one."""
    monkeypatch.delenv("DIGITELLER_HOME", raising=False)
    from engine.text.assets import ensure_assets

    pytest.importorskip("llama_cpp")
    ensure_assets()


def test_gemma_writes_a_coherent_russian_story(real_home):
    from engine.text import write_story
    from engine.text.backends.gemma import NAME

    request = StoryRequest("Маленький дракон Искра боялся темноты.", seed=7, text_backend="gemma")
    story = write_story(request, null_reporter())
    assert story.backends["text"] == NAME
    assert story.lang == "ru"
    assert story.title and len(story.title) <= 60
    assert len(story.scenes) >= 6
    assert story.text.startswith("Маленький дракон Искра боялся темноты.")
    # the hero is named in every scene (by name or as "дракон")
    for scene in story.scenes:
        assert re.search(r"искр|дракон", scene.text.lower()), scene.text
    assert not re.search(r"<[a-z_]+>|start_of|end_of|\*\*|#", story.text)
    assert 0.6 * 975 <= len(story.text) <= 1.5 * 975
    assert all(scene.image_prompt for scene in story.scenes)
