"""The music block's backend shape: one method that scores a story."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from engine.backends import BackendStatus
    from engine.progress import StageReporter
    from engine.story import Story


class MusicBackend(Protocol):
    """Writes ``folder/music/score.wav`` (and, if it has one, ``score.mid``) of about ``duration``
    seconds for the story's mood; sets ``story.music``/``story.midi`` and ``story.backends["music"]``."""

    name: str

    def score(self, story: Story, folder: Path, duration: float, report: StageReporter) -> None: ...

    def status(self) -> BackendStatus: ...
