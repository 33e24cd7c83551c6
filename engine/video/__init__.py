"""Video block: stills with Ken Burns motion and crossfades, subtitles, soundtrack → mp4 (ffmpeg).

Module map: ``base`` (the ``VideoBackend`` Protocol), ``backends/`` (``ffmpeg``, the one backend,
and the registry ``get_backend``/``BACKENDS``/``doctor``), ``assembly`` (the ffmpeg run: filter
graph, encode, checks), ``audio`` (narration + music mix, ducking, loudness), ``subtitles`` (cues
and the .ass file), ``kenburns`` (camera motion), ``bitrate`` (encoder settings that fit the size
limit), ``ffmpeg_run`` (progress from ffmpeg), ``media`` (``probe`` and ``fit_to_bytes``), ``card``
(the fallback text cards, drawn only here), ``timeline`` (where each scene sits: the narration sets
the clock, cuts fall in the pauses), ``sync`` and ``bench`` (measurements).

Public API: ``Assembler`` (the pipeline's entry), ``assemble``, ``draw_cards``, ``probe``,
``fit_to_bytes``, ``MediaInfo``, ``doctor``. Importing this package runs nothing and imports no
heavy library; ffmpeg is only started by the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.video.assembly import assemble
from engine.video.backends import BACKENDS, doctor, get_backend
from engine.video.base import VideoBackend
from engine.video.card import draw_cards
from engine.video.media import MediaInfo, fit_to_bytes, probe
from engine.video.timeline import layout

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = [
    "BACKENDS",
    "Assembler",
    "MediaInfo",
    "VideoBackend",
    "assemble",
    "doctor",
    "draw_cards",
    "fit_to_bytes",
    "get_backend",
    "layout",
    "probe",
]


class Assembler:
    """The video block's entry for the pipeline (engine.blocks): lays the scenes out on the
    narration's clock, draws the fallback text cards (the one place they are drawn) and assembles
    the mp4 with backend ``spec``."""

    def __init__(self, spec: str = "auto") -> None:
        self._backend = get_backend(spec)
        self.name = self._backend.name

    def assemble(self, story: Story, folder: Path, out_path: Path, report: StageReporter) -> dict[str, Any]:
        return self._backend.assemble(story, folder, out_path, report)

    def draw_cards(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        draw_cards(story, folder, size, report)

    def layout(self, story: Story, folder: Path) -> float:
        """Set each scene's span from its narration's length; returns the video's duration."""
        return layout(story, folder)
