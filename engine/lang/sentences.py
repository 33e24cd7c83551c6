"""Sentences and words of a text, via razdel (rule-based; knows Russian abbreviations, initials,
quotes and direct speech), instead of hand-written regexes in each block."""

from __future__ import annotations

import itertools
import re

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph (a line break always ends a sentence)."""
    from razdel import sentenize

    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(s.text.strip() for s in sentenize(paragraph) if s.text.strip())
    return out


def sentence_pieces(text: str) -> list[str]:
    """The text cut at razdel's sentence starts, keeping every character (spaces go with the sentence
    before them), so ``"".join(pieces) == text``: what timing subtitles per sentence needs."""
    from razdel import sentenize

    starts = [s.start for s in sentenize(text)]
    if not starts:
        return [text] if text.strip() else []
    cuts = [0, *starts[1:], len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(cuts)]
    return [p for p in pieces if p.strip()]


def words(text: str) -> list[str]:
    """The words of a text in order (razdel tokens made of letters; hyphenated words stay whole)."""
    from razdel import tokenize

    return [t.text for t in tokenize(text) if _WORD.fullmatch(t.text)]
