"""Story-text backends side by side: ``gemma`` (default, embedded) and ``rugpt3`` (seed, HF cache).

``get_backend("auto")`` picks gemma when its GGUF is assembled, else a cached ruGPT-3.
"""

from __future__ import annotations

from engine.errors import BackendUnavailable
from engine.text.backends.base import TextBackend, cut_at_stop

__all__ = ["TextBackend", "cut_at_stop", "get_backend"]

_cache: dict[str, TextBackend] = {}


def get_backend(spec: str = "auto") -> TextBackend:
    """The backend for request.text_backend: "auto", "gemma", "rugpt3", "rugpt3medium", "rugpt3:PATH"."""
    spec = (spec or "auto").strip()
    if spec in _cache:
        return _cache[spec]
    if spec == "auto":
        from engine.text.assets import gguf_path

        if gguf_path().is_file():
            backend = get_backend("gemma")
        else:
            from engine.text.backends.rugpt3 import DEFAULT_MODEL, is_cached

            if not is_cached(DEFAULT_MODEL):
                raise BackendUnavailable(
                    "text",
                    "no text model: the Gemma GGUF is not assembled (run `python -m engine assets`) "
                    "and no ruGPT-3 is in the model cache",
                )
            backend = get_backend("rugpt3")
    elif spec == "gemma":
        from engine.text.backends.gemma import GemmaBackend

        backend = GemmaBackend()
    elif spec.startswith("rugpt3") or "/" in spec:
        from engine.text.backends.rugpt3 import RuGPT3Backend

        backend = RuGPT3Backend(spec)
    else:
        raise BackendUnavailable(
            "text", f"unknown text backend {spec!r}: use auto, gemma, rugpt3 or rugpt3:PATH"
        )
    _cache[spec] = backend
    return backend
