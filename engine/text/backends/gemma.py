"""Gemma 3 270M (base, multilingual) through llama-cpp-python: the embedded offline default.

The model is a base model with no chat template, so the writer prompts it as a continuation.
It sometimes emits chat/image special tokens; they are banned outright with a logit bias rather
than cleaned afterwards, because once emitted they derail everything after them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from engine.errors import BackendUnavailable
from engine.text.assets import gguf_path

NAME = "gemma3-270m-q4_k_m (llama.cpp)"
#: <start_of_turn>, <end_of_turn>, <start_of_image>
BANNED_TOKENS: tuple[int, ...] = (105, 106, 255999)
CONTEXT_TOKENS = 2048


def max_threads() -> int:
    """Threads the model is created with: DIGITELLER_TEXT_THREADS, else the cores this process may use."""
    forced = os.environ.get("DIGITELLER_TEXT_THREADS")
    if forced and forced.isdigit() and int(forced) > 0:
        return int(forced)
    from engine.device import cpu_threads

    return cpu_threads()


def text_threads() -> int:
    """Threads for the next generation: the cores that are really free (never fewer than one).

    llama.cpp's threads spin-wait for each other, so on a loaded machine more threads are much
    slower, not faster: measured here on 2 shared cores at load ~5, 2 threads gave 3.0 tokens/s
    and 1 thread 16.7. The 1-minute load average says how many cores other work is using.
    DIGITELLER_TEXT_THREADS fixes the number instead.
    """
    cores = max_threads()
    if os.environ.get("DIGITELLER_TEXT_THREADS"):
        return cores
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))


@lru_cache(maxsize=2)
def _load(path: str, n_threads: int):
    from llama_cpp import Llama

    return Llama(
        model_path=path,
        n_ctx=CONTEXT_TOKENS,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        n_batch=256,
        seed=0,
        verbose=False,
    )


class GemmaBackend:
    """Continuation with the local GGUF; one model per process, calls serialised by a lock."""

    name = NAME

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = Path(model_path) if model_path else gguf_path()
        if not self.model_path.is_file():
            raise BackendUnavailable(
                "gemma", f"GGUF not found at {self.model_path}: run `python -m engine assets` to assemble it"
            )
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable("gemma", "llama-cpp-python is not installed") from exc
        self._lock = threading.Lock()
        self._threads = max_threads()

    @property
    def llm(self):
        return _load(str(self.model_path), max_threads())

    def _use_free_threads(self, llm) -> None:
        n = text_threads()
        if n != self._threads:
            try:
                llm._ctx.set_n_threads(n, n)  # llama_set_n_threads on the live context
                self._threads = n
            except AttributeError:  # another llama-cpp-python layout: keep what it was created with
                pass

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.8,
        stop: Sequence[str] = ("\n",),
    ) -> str:
        with self._lock:
            llm = self.llm
            self._use_free_threads(llm)
            budget = CONTEXT_TOKENS - max_tokens - 8
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True)
            if len(tokens) > budget:  # keep the end of the story so far; the start matters least
                prompt = llm.detokenize(tokens[-budget:]).decode("utf-8", errors="ignore")
            out = llm.create_completion(
                prompt,
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=0.92,
                top_k=40,
                min_p=0.05,
                repeat_penalty=1.12,
                seed=seed,
                stop=list(stop),
                logit_bias={t: -100.0 for t in BANNED_TOKENS},
            )
        return out["choices"][0]["text"]
