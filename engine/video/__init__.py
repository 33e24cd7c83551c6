"""Video assembly: stills with Ken Burns motion and crossfades, subtitles, soundtrack → mp4 (ffmpeg).

Public API: ``Assembler`` (the pipeline's entry), ``assemble``, ``draw_cards``, ``probe``, ``doctor``.
Importing this package runs nothing and imports no heavy library; ffmpeg is only started by the
functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.video.assembly import assemble
from engine.video.card import draw_cards
from engine.video.doctor import doctor
from engine.video.probe import probe

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = ["Assembler", "assemble", "doctor", "draw_cards", "probe"]


class Assembler:
    """The video block's entry for the pipeline (engine.blocks): assembles the mp4, and draws the
    fallback text cards (the one place they are drawn) when pictures are missing."""

    name = "ffmpeg"

    def assemble(self, story: Story, folder: Path, out_path: Path, report: StageReporter) -> dict[str, Any]:
        return assemble(story, folder, out_path, report)

    def draw_cards(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        draw_cards(story, folder, size, report)
