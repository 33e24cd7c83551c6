"""Word lists written as plain space-separated text (easy to read and extend) turned into sets."""

from __future__ import annotations


def word_set(*chunks: str) -> frozenset[str]:
    """frozenset of the whitespace-separated words in the chunks."""
    return frozenset(w for chunk in chunks for w in chunk.split())
