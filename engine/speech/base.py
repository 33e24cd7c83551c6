"""The speech block's backend shape: what every TTS engine offers the narrator.

A backend turns already-normalised text into float32 mono samples at its own rate; everything the
backends share (quote and dash removal, normalisation with the backend's ``policy()``, resampling,
trimming, loudness) lives in ``engine.speech.synth`` so the backends stay thin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from engine.progress import CancelToken
    from engine.speech.normalize import Policy


class TtsBackend(Protocol):
    """One TTS engine. ``voice`` is the backend's own voice name ("anna", "joe", "ru+f3")."""

    name: str

    def policy(self) -> Policy:
        """What its front-end can read (stress marks, Latin words); may depend on how it runs now."""
        ...

    def synth(
        self, text: str, voice: str, lang: str, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, int]:
        """(float32 mono samples, sample rate) for ``text``."""
        ...

    def warm_up(self, voice: str, lang: str) -> None:
        """Load the engine/model for ``voice`` now, so the first line doesn't pay for it."""
        ...
