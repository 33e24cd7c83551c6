"""Any local chat GGUF through llama-cpp-python; by default the embedded Qwen2.5-Coder-1.5B-Instruct.

Specs: ``qwen`` (the embedded model, assembled by `python -m engine assets`) or ``gguf:PATH`` (any
GGUF whose metadata carries a chat template: Qwen2.5-7B-Instruct, Llama-3-8B-Instruct, Saiga, …).

Why llama.cpp: the model loads in a second, the chat template is read from the GGUF, JSON-schema
output is enforced by a grammar (the writer's plan always parses), story text is sampled with DRY
over the whole conversation (story_sampler.py: no copied sentences), and one ``Llama`` instance
keeps the key/value cache of the last prompt — a scene prompt that extends the previous
conversation only evaluates its new tokens (prompt caching between scenes comes for free as
long as one instance is reused, which the registry guarantees).

On a machine whose llama.cpp build can offload (CUDA, Metal, Vulkan), every layer goes to the
GPU (``n_gpu_layers=-1``); on CPU the thread count follows the cores that are really free.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable
from engine.text.backends.threads import max_threads, use_free_threads
from engine.text.base import Message

log = logging.getLogger(__name__)

QWEN_NAME = "qwen2.5-coder-1.5b-instruct q4_k_m (llama.cpp)"
CONTEXT_TOKENS = 8192
#: Sampling that worked for stories: ≤0.3 loops, 0.6–0.7 with a mild repeat penalty reads well.
TOP_P = 0.9
TOP_K = 40
MIN_P = 0.05
REPEAT_PENALTY = 1.1
#: Tokens the repeat penalty looks back over (within the answer: llama-cpp-python's sampler never
#: sees the prompt, so the repeat penalty cannot reach earlier scenes — the DRY sampler of
#: story_sampler.py does that, fed the prompt).
REPEAT_LAST_N = 256


def gpu_offload() -> bool:
    """True when this llama.cpp build can put layers on a GPU (and one is usable)."""
    try:
        import llama_cpp
    except ImportError:
        return False
    try:
        return bool(llama_cpp.llama_supports_gpu_offload())
    except AttributeError:
        return False


@lru_cache(maxsize=2)
def _load(path: str, n_threads: int, n_ctx: int) -> Any:
    from engine.text.backends.story_sampler import StoryLlama

    return StoryLlama(
        model_path=path,
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        n_batch=512,
        last_n_tokens_size=REPEAT_LAST_N,
        n_gpu_layers=-1 if gpu_offload() else 0,
        seed=0,
        verbose=False,
    )


def resolve(spec: str) -> tuple[Path, str]:
    """(path, display name) for "qwen", "llama_cpp" or "gguf:PATH"."""
    if spec.startswith("gguf:"):
        path = Path(spec.split(":", 1)[1]).expanduser()
        if not path.is_file():
            raise BackendUnavailable("llama_cpp", f"no GGUF file at {path}")
        return path, f"{path.stem} (llama.cpp)"
    from engine.text.assets import qwen_path

    path = qwen_path()
    if not path.is_file():
        raise BackendUnavailable(
            "qwen", f"the Qwen GGUF is not assembled at {path}: run `python -m engine assets`"
        )
    return path, QWEN_NAME


class LlamaChatBackend:
    """Chat completion with one warm llama.cpp model; calls are serialised by a lock."""

    instruct = True

    def __init__(self, spec: str = "qwen", n_ctx: int = CONTEXT_TOKENS) -> None:
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable("llama_cpp", "llama-cpp-python is not installed") from exc
        self.model_path, self.name = resolve(spec)
        self.n_ctx = n_ctx
        self._lock = threading.Lock()
        self._threads = max_threads()
        #: tokens generated and seconds spent, for the writer's speed figures
        self.stats = {"calls": 0, "completion_tokens": 0, "prompt_tokens": 0, "seconds": 0.0}

    @property
    def llm(self) -> Any:
        return _load(str(self.model_path), max_threads(), self.n_ctx)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.7,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        script: str | None = None,
    ) -> str:
        kwargs: dict[str, Any] = {}
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._lock:
            llm = self.llm
            if not gpu_offload():
                self._threads = use_free_threads(llm, self._threads)
            llm.script = script
            started = time.monotonic()
            out = llm.create_chat_completion(
                messages=[dict(m) for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=TOP_P,
                top_k=TOP_K,
                min_p=MIN_P,
                repeat_penalty=REPEAT_PENALTY,
                seed=seed,
                stop=list(stop) or None,
                **kwargs,
            )
            self.stats["seconds"] += time.monotonic() - started
        usage = out.get("usage") or {}
        log.debug(
            "llama.cpp: %s prompt + %s generated tokens in %.1f s (%d threads)",
            usage.get("prompt_tokens"),
            usage.get("completion_tokens"),
            time.monotonic() - started,
            self._threads,
        )
        self.stats["calls"] += 1
        self.stats["completion_tokens"] += int(usage.get("completion_tokens", 0))
        self.stats["prompt_tokens"] += int(usage.get("prompt_tokens", 0))
        return str(out["choices"][0]["message"]["content"] or "")
