"""The music block's backends and registry. One backend today: ``transformer`` (our Music
Transformer + FluidSynth). The registry gives it the same shape as every other block's."""

from __future__ import annotations

import threading

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.music.backends.transformer import TransformerScorer
from engine.music.base import MusicBackend

#: The backends, by module name.
BACKENDS: tuple[str, ...] = ("transformer",)

_lock = threading.Lock()
_instances: dict[str, MusicBackend] = {}


def get_backend(spec: str = "auto") -> MusicBackend:
    """The backend named ``spec`` (one instance per process: the model stays loaded); "auto" = transformer."""
    name = "transformer" if spec in ("auto", "", "music-transformer") else spec
    if name not in BACKENDS:
        raise BackendUnavailable("music", f"unknown music backend {spec!r}; known: {', '.join(BACKENDS)}")
    with _lock:
        if name not in _instances:
            _instances[name] = TransformerScorer()
        return _instances[name]


def doctor() -> list[BackendStatus]:
    """One row per backend, named as its module."""
    return [get_backend(name).status() for name in BACKENDS]
