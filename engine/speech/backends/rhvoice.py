"""RHVoice (Debian non-free packages): clear statistical-parametric voices, Russian and English.

Two ways to drive it, same engine and voices:
- in-process through ``libRHVoice.so.5`` (``rhvoice_lib``): engine and voices stay loaded, ~0.04 s
  per short line, and our own config honours '+' stress marks;
- ``RHVoice-test`` (text on stdin, wav out) when the library is missing or not the verified
  version: one process per line, ~0.15 s of start-up each; the Debian config sets no
  ``stress_marker``, so stress marks are stripped (a '+' would be read aloud).
Latin words stay in both: RHVoice's Russian front-end has a pseudo-English reader that does better
than our transliteration.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from engine.proc import run
from engine.progress import CancelToken
from engine.speech.audio import SAMPLE_RATE, read_wav
from engine.speech.backends import rhvoice_lib
from engine.speech.normalize import Policy

SUBPROCESS_POLICY = Policy(stress=False, latin="keep")
IN_PROCESS_POLICY = Policy(stress=True, latin="keep")
POLICY = SUBPROCESS_POLICY  # the safe reading; ``policy()`` tells which one applies right now


def policy() -> Policy:
    return IN_PROCESS_POLICY if rhvoice_lib.engine() is not None else SUBPROCESS_POLICY


def mode() -> str:
    """ "in-process" or "subprocess (why)" — for doctor and reports."""
    return "in-process" if rhvoice_lib.engine() is not None else f"subprocess ({rhvoice_lib.why_not()})"


def synth_subprocess(text: str, voice: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory(prefix="dt-rhvoice-") as tmp:
        out = Path(tmp) / "out.wav"
        run(
            ["RHVoice-test", "-p", voice, "-R", str(SAMPLE_RATE), "-o", str(out)],
            stage="speech",
            cancel=cancel,
            input_bytes=text.encode("utf-8"),
            timeout=300,
        )
        return read_wav(out)


def synth(text: str, voice: str, lang: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    """``voice`` is the RHVoice voice directory name ("anna", "aleksandr-hq", "slt")."""
    eng = rhvoice_lib.engine()
    if eng is not None:
        return eng.speak(text, voice, cancel)
    return synth_subprocess(text, voice, cancel)


class RHVoiceBackend:
    """RHVoice in-process, or through ``RHVoice-test`` (``TtsBackend``)."""

    name = "rhvoice"

    def policy(self) -> Policy:
        return policy()

    def synth(
        self, text: str, voice: str, lang: str, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, int]:
        return synth(text, voice, lang, cancel)

    def warm_up(self, voice: str, lang: str) -> None:
        rhvoice_lib.engine()
