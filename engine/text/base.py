"""The text block's one small protocol: a chat model that answers messages with text.

The writer talks to every model the same way — a list of ``{"role", "content"}`` messages in, the
assistant's answer out — because the embedded default is an instruction model and so are the
models a GPU server would pick. Base models (Gemma 270M, ruGPT-3) get an adapter that turns the
messages into a plain continuation prompt (see ``render_plain``).

``schema`` asks for JSON following a JSON schema: backends that can constrain decoding (llama.cpp
grammars) do; the others are asked in words, and the writer parses defensively either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypedDict, runtime_checkable


class Message(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


@runtime_checkable
class ChatBackend(Protocol):
    #: What really runs, for Story.backends["text"] (e.g. "qwen2.5-coder-1.5b-instruct q4_k_m (llama.cpp)").
    name: str
    #: True for instruction-tuned models that follow a chat template; False for base models behind an adapter.
    instruct: bool

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
        """The assistant's reply to ``messages`` (JSON text when ``schema`` is given). ``script``
        ("ru" or "en"): the answer's language; backends that can, never sample a token with letters
        of another script (the writer's filters still check every sentence)."""
        ...


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """Text up to the first stop string (backends that cannot stop natively use this)."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if 0 <= i < cut:
                cut = i
    return text[:cut]


def render_plain(messages: Sequence[Message]) -> str:
    """Messages as a continuation prompt for a base model with no chat template.

    A base model continues documents, so the instructions become a document header and the
    conversation a transcript whose last line invites the answer. The writer gives base models
    short, concrete prompts (it knows ``instruct`` is False), so this stays simple.
    """
    parts: list[str] = []
    for m in messages:
        if m["role"] == "system" or m["role"] == "user":
            parts.append(m["content"].strip())
        else:
            parts.append(m["content"].strip())
    return "\n\n".join(p for p in parts if p) + "\n\n"


@runtime_checkable
class CompletionBackend(Protocol):
    """A base model that continues text (Gemma 270M, ruGPT-3): the beat writer drives these."""

    name: str

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.8,
        stop: Sequence[str] = ("\n",),
    ) -> str:
        """The continuation of ``prompt`` (without the prompt), cut before the first stop string."""
        ...
