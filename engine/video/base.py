"""The video block's backend shape: an assembler turns a laid-out story folder into one mp4."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from engine.backends import BackendStatus
    from engine.progress import StageReporter
    from engine.story import Story


class VideoBackend(Protocol):
    """Frames (or images), narration, music and subtitles → ``out_path``; returns what ``story.video``
    holds (file, duration, size, streams, loudness, encoder settings)."""

    name: str

    def assemble(
        self, story: Story, folder: Path, out_path: Path, report: StageReporter
    ) -> dict[str, Any]: ...

    def status(self) -> list[BackendStatus]: ...
