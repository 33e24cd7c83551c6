"""Gemma 3 270M (base, multilingual) through llama-cpp-python: the lighter embedded writer.

The model is a base model with no chat template, so the beat writer (engine/text/beats.py) prompts
it as a continuation through ``generate``; ``chat`` is the protocol's adapter (the messages become a
plain document, JSON schemas become a llama.cpp grammar) for callers that only speak chat.
It sometimes emits chat/image special tokens; they are banned outright with a logit bias rather
than cleaned afterwards, because once emitted they derail everything after them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable
from engine.text.assets import gguf_path
from engine.text.backends.threads import max_threads, text_threads, use_free_threads
from engine.text.base import Message, render_plain

__all__ = ["NAME", "GemmaBackend", "max_threads", "text_threads"]

NAME = "gemma3-270m-q4_k_m (llama.cpp)"
#: <start_of_turn>, <end_of_turn>, <start_of_image>
BANNED_TOKENS: tuple[int, ...] = (105, 106, 255999)
CONTEXT_TOKENS = 2048


@lru_cache(maxsize=2)
def _load(path: str, n_threads: int) -> Any:
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
    instruct = False

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
    def llm(self) -> Any:
        return _load(str(self.model_path), max_threads())

    def _use_free_threads(self, llm: Any) -> None:
        self._threads = use_free_threads(llm, self._threads)

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.7,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        script: str | None = None,  # a base model's continuation is left to the writer's filters
    ) -> str:
        """The protocol's chat, for a base model: a plain document in, its continuation out."""
        grammar = None
        if schema is not None:
            import json

            from llama_cpp import LlamaGrammar

            grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        with self._lock:
            llm = self.llm
            self._use_free_threads(llm)
            out = llm.create_completion(
                render_plain(messages),
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=0.92,
                min_p=0.05,
                repeat_penalty=1.12,
                seed=seed,
                stop=list(stop) or None,
                grammar=grammar,
                logit_bias={t: -100.0 for t in BANNED_TOKENS},
            )
        return str(out["choices"][0]["text"])

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
