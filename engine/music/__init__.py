"""Music block: our own Music Transformer (trained on the music21 folk-song corpus) scores a story.

``score`` picks a style from the story's mood, lets the model write the melody for the narration's
length, arranges it (chords + bass), writes ``music/score.mid`` and renders ``music/score.wav`` with
FluidSynth. Heavy imports (torch, pretty_midi, numpy) happen inside the functions.

Module map: base (the ``MusicBackend`` Protocol), backends/ (``transformer``, the one backend, and
the registry ``get_backend``/``BACKENDS``/``doctor``), vocab (event tokens), corpus (music21 -> token
cache), model (relative attention), train, sampling (KV cache), markov (baseline), evaluate, style
(mood -> style), harmony, compose, midi, render, checkpoint (the shipped weights).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.music.backends import BACKENDS, doctor, get_backend
from engine.music.base import MusicBackend

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = ["BACKENDS", "MusicBackend", "MusicScorer", "doctor", "get_backend", "score"]


def score(story: Story, folder: Path, duration: float, report: StageReporter) -> None:
    """Write ``folder/music/score.mid`` and ``score.wav`` (~``duration`` s) for the story's mood."""
    get_backend().score(story, folder, duration, report)


class MusicScorer:
    """The music block's entry for the pipeline (engine.blocks): ``spec`` names the backend."""

    def __init__(self, spec: str = "auto") -> None:
        self.name = spec

    def score(self, story: Story, folder: Path, duration: float, report: StageReporter) -> None:
        get_backend(self.name).score(story, folder, duration, report)
