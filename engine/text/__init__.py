"""Block 1 — story text: a prompt becomes a planned, coherent story split into illustrated scenes.

Module map: ``writer`` (entry: StoryWriter), ``chat_writer`` (instruction models: JSON plan, scene by
scene), ``beats`` (base models: cue-driven beats + ``judge``), ``plan`` (plan schema and parsing),
``filters`` (sentence checks), ``moderation`` + ``moderation_rules`` (content safety), ``prompt``
(validation), ``premise`` (hero and opening), ``scenes``/``keywords``/``moods`` (scene fields),
``assets`` (embedded GGUFs), ``backends/`` (llama_cpp, gemma, transformers_chat, rugpt3 + registry).

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
    from engine.text.writer import StoryWriter

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


def __getattr__(name: str) -> object:
    """``engine.text.StoryWriter`` without importing the writer (and its morphology) up front."""
    if name == "StoryWriter":
        from engine.text.writer import StoryWriter

        return StoryWriter
    raise AttributeError(name)


def write_story(
    request: StoryRequest, report: StageReporter, *, chars_per_second: float | None = None
) -> Story:
    """The story for a request (see engine.text.writer.StoryWriter)."""
    from engine.text.writer import write_story as _write_story

    return _write_story(request, report, chars_per_second=chars_per_second)


def make_scenes(sentences: list[str], lang: str, n_scenes: int) -> list[Scene]:
    """Scenes of a few sentences each, with image prompts (POS filter) and moods."""
    from engine.text.scenes import make_scenes as _make_scenes

    return _make_scenes(sentences, lang, n_scenes)


def doctor() -> list[BackendStatus]:
    from engine.text.doctor import doctor as _doctor

    return _doctor()
