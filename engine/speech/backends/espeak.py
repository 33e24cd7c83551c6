"""espeak-ng: formant synthesis, instant and always there; the fallback and the fast-test voice."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from engine.proc import run
from engine.progress import CancelToken
from engine.speech.audio import read_wav
from engine.speech.normalize import Policy

# espeak-ng reads Latin words in Russian text letter by letter or with English rules mid-sentence;
# a Cyrillic reading sounds more natural inside a Russian sentence.
POLICY = Policy(stress=False, latin="translit")
WORDS_PER_MINUTE = "155"  # the default 175 is hurried for storytelling


def synth(text: str, voice: str, lang: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    """``voice`` is an espeak-ng language ("ru", "en"). Text goes through stdin: never an argument."""
    with tempfile.TemporaryDirectory(prefix="dt-espeak-") as tmp:
        out = Path(tmp) / "out.wav"
        run(
            ["espeak-ng", "-v", voice or lang, "-s", WORDS_PER_MINUTE, "-b", "1", "--stdin", "-w", str(out)],
            stage="speech",
            cancel=cancel,
            input_bytes=text.encode("utf-8"),
            timeout=120,
        )
        return read_wav(out)


class EspeakBackend:
    """espeak-ng through its command line (``TtsBackend``)."""

    name = "espeak"

    def policy(self) -> Policy:
        return POLICY

    def synth(
        self, text: str, voice: str, lang: str, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, int]:
        return synth(text, voice, lang, cancel)

    def warm_up(self, voice: str, lang: str) -> None:
        """Nothing to load: one short process per line."""
