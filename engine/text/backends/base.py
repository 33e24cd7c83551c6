"""The one small protocol every story-text backend implements.

The writer only ever asks for "continue this text, stop at these strings", so a backend is a
name plus a ``generate`` method. Models load on first use and stay warm for the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class TextBackend(Protocol):
    #: What really runs, for Story.backends["text"] (e.g. "gemma3-270m-q4_k_m (llama.cpp)").
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


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """Text up to the first stop string (backends that cannot stop natively use this)."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if 0 <= i < cut:
                cut = i
    return text[:cut]
