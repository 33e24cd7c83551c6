"""Block 1 — story text: a prompt becomes a planned, coherent story split into illustrated scenes.

Importing this package is cheap (the bot validates prompts with it); models and the
morphology dictionaries load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import PromptError
from engine.text.language import detect_language
from engine.text.moods import MOODS
from engine.text.prompt import validate_prompt

if TYPE_CHECKING:
    from engine.backends import BackendStatus
    from engine.progress import StageReporter
    from engine.story import Scene, Story, StoryRequest

__all__ = [
    "MOODS",
    "PromptError",
    "detect_language",
    "doctor",
    "make_scenes",
    "validate_prompt",
    "write_story",
]


def write_story(request: StoryRequest, report: StageReporter) -> Story:
    """The story for a request (see engine.text.writer)."""
    from engine.text.writer import write_story as _write_story

    return _write_story(request, report)


def make_scenes(sentences: list[str], lang: str, n_scenes: int) -> list[Scene]:
    """Scenes of a few sentences each, with image prompts (POS filter) and moods."""
    from engine.text.scenes import make_scenes as _make_scenes

    return _make_scenes(sentences, lang, n_scenes)


def doctor() -> list[BackendStatus]:
    from engine.text.doctor import doctor as _doctor

    return _doctor()
