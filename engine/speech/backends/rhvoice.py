"""RHVoice (Debian non-free packages): clear statistical-parametric voices, Russian and English.

Driven through ``RHVoice-test`` (text on stdin, wav out): one process per line costs ~0.15 s of
start-up, small beside the synthesis itself (~40x faster than real time here), and it isolates the
native library from the worker threads. Stress marks are stripped: the Debian configuration sets no
``stress_marker``, so a '+' would be read aloud. Latin words stay: RHVoice's Russian front-end has a
pseudo-English reader that does better than our transliteration.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from engine.proc import run
from engine.progress import CancelToken
from engine.speech.audio import SAMPLE_RATE, read_wav
from engine.speech.normalize import Policy

POLICY = Policy(stress=False, latin="keep")


def synth(text: str, voice: str, lang: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    """``voice`` is the RHVoice voice directory name ("anna", "aleksandr-hq", "slt")."""
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
