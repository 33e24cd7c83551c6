"""Story-text backends and their registry.

| spec | module | what runs |
|---|---|---|
| ``qwen`` (auto's first choice) | llama_cpp | the embedded Qwen2.5-Coder-1.5B-Instruct GGUF |
| ``gguf:PATH`` | llama_cpp | any chat GGUF (GPU offload when the build has it) |
| ``gemma`` | gemma | the embedded Gemma 3 270M base model (lighter, weaker) |
| ``hf:NAME_OR_PATH`` | transformers_chat | any Hugging Face instruct model (chat template, bf16 on GPU) |
| ``rugpt3``, ``rugpt3medium``, ``rugpt3:NAME_OR_PATH``, ``org/name`` | rugpt3 | the seed's ruGPT-3 (base) |

``get_backend("auto")`` picks Qwen when its GGUF is assembled, else Gemma, else a cached ruGPT-3.
Backends are cached per spec: a model loads once per process and stays warm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import BackendUnavailable
from engine.text.base import ChatBackend, CompletionBackend, cut_at_stop

if TYPE_CHECKING:
    from engine.backends import BackendStatus

__all__ = ["BACKENDS", "ChatBackend", "CompletionBackend", "cut_at_stop", "doctor", "get_backend"]

#: Backend modules (the names doctor shows).
BACKENDS: tuple[str, ...] = ("llama_cpp", "gemma", "transformers_chat", "rugpt3")

_cache: dict[str, Any] = {}


def auto_spec() -> str:
    """The spec "auto" stands for right now: the best backend whose weights are present."""
    from engine.text.assets import gguf_path, qwen_path

    if qwen_path().is_file():
        return "qwen"
    if gguf_path().is_file():
        return "gemma"
    from engine.text.backends.rugpt3 import DEFAULT_MODEL, is_cached

    if is_cached(DEFAULT_MODEL):
        return "rugpt3"
    raise BackendUnavailable(
        "text",
        "no text model: neither the Qwen nor the Gemma GGUF is assembled (run `python -m engine assets`) "
        "and no ruGPT-3 is in the model cache",
    )


def _make(spec: str) -> Any:
    if spec in ("qwen", "llama_cpp") or spec.startswith("gguf:"):
        from engine.text.backends.llama_cpp import LlamaChatBackend

        return LlamaChatBackend("qwen" if spec == "llama_cpp" else spec)
    if spec == "gemma":
        from engine.text.backends.gemma import GemmaBackend

        return GemmaBackend()
    if spec.startswith(("hf:", "transformers:")):
        from engine.text.backends.transformers_chat import TransformersChatBackend

        return TransformersChatBackend(spec)
    if spec.startswith("rugpt3") or "/" in spec:
        from engine.text.backends.rugpt3 import RuGPT3Backend

        return RuGPT3Backend(spec)
    raise BackendUnavailable(
        "text",
        f"unknown text backend {spec!r}: use auto, qwen, gguf:PATH, gemma, hf:NAME_OR_PATH, rugpt3 or rugpt3:PATH",
    )


def get_backend(spec: str = "auto") -> Any:
    """The backend for request.text_backend (a ChatBackend; base models are also CompletionBackends)."""
    spec = (spec or "auto").strip()
    if spec == "auto":
        spec = auto_spec()
    if spec not in _cache:
        _cache[spec] = _make(spec)
    return _cache[spec]


def loaded_backends() -> list[Any]:
    """The text backends this process has loaded (warm), e.g. for their token counters."""
    return list(_cache.values())


def doctor() -> list[BackendStatus]:
    from engine.text.doctor import doctor as _doctor

    return _doctor()
