"""Block 1 — story text: a prompt becomes a planned, coherent story split into illustrated scenes.

Importing this package is cheap (the bot validates prompts with it); models and the
morphology dictionaries load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import PromptError
from engine.lang import detect_language
from engine.text.moods import MOODS
from engine.text.prompt import validate_prompt

if TYPE_CHECKING:
    from engine.backends import BackendStatus
    from engine.progress import StageReporter
    from engine.story import Scene, Story, StoryRequest

__all__ = [
    "MOODS",
    "PromptError",
    "StoryWriter",
    "detect_language",
    "doctor",
    "make_scenes",
    "validate_prompt",
    "write_story",
]


class StoryWriter:
    """The text block's entry for the pipeline (engine.blocks): ``spec`` names the text backend.

    A thin adapter over ``write_story`` until the block's own writer class replaces it.
    """

    def __init__(self, spec: str = "auto") -> None:
        self.name = spec

    def write(self, request: StoryRequest, report: StageReporter, *, chars_per_second: float) -> Story:
        from dataclasses import replace

        from engine.text.writer import write_story as _write_story

        return _write_story(
            replace(request, text_backend=self.name), report, chars_per_second=chars_per_second
        )


def write_story(
    request: StoryRequest, report: StageReporter, *, chars_per_second: float | None = None
) -> Story:
    """The story for a request (see engine.text.writer)."""
    from engine.text.writer import write_story as _write_story

    return _write_story(request, report, chars_per_second=chars_per_second)


def make_scenes(sentences: list[str], lang: str, n_scenes: int) -> list[Scene]:
    """Scenes of a few sentences each, with image prompts (POS filter) and moods."""
    from engine.text.scenes import make_scenes as _make_scenes

    return _make_scenes(sentences, lang, n_scenes)


def doctor() -> list[BackendStatus]:
    from engine.text.doctor import doctor as _doctor

    return _doctor()
