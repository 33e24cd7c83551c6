"""Sentence filters for what an instruction model writes in Russian or English.

A 1.5B model that mostly codes writes a decent plot but, in Russian, now and then invents a word
(«наединечь», «неопытенным»), slips into English or Chinese mid-sentence («wayward», «回家»), or
repeats itself. Every sentence is checked here before it can reach the story; a scene with a
problem is regenerated (the writer samples another candidate) rather than shipped.

Checks, cheapest first: other scripts (Latin in Russian text, Cyrillic in English, CJK or any
other script anywhere), banned content (engine/text/moderation.py), repeats of an earlier
sentence, and words no dictionary knows (pymorphy3's OpenCorpora dictionary for Russian,
lemminflect's lexicon for English). Names are not words a dictionary must know: a capitalised
word inside a sentence, and the cast's own names, pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.text.cleanup import word_set_similarity
from engine.text.moderation import text_problem

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s*[«\"“]?\s*|[«\"“—–-]\s*)$")
REPEAT_SIMILARITY = 0.7
#: English contractions and possessives lemminflect does not list as words.
_EN_SUFFIXES = ("'s", "’s", "n't", "n’t", "'ll", "’ll", "'re", "’re", "'ve", "’ve", "'d", "’d", "'m", "’m")


def script_of(ch: str) -> str:
    """ "cyr", "lat", "cjk", "other" or "" (not a letter)."""
    if not ch.isalpha():
        return ""
    if "\u0400" <= ch <= "\u04ff":
        return "cyr"
    if ch.isascii() or "\u00c0" <= ch <= "\u024f":
        return "lat"
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")):
        return "cjk"
    return "other"


def foreign_piece(piece: str, lang: str) -> bool:
    """True when a vocabulary piece has a letter of a script a ``lang`` story does not use
    ("zv", "на" for English, "回"): backends that can, never sample such tokens."""
    return bool(_FOREIGN_LETTER[lang == "ru"].search(piece))


#: a letter (not a digit or "_") outside the story's own alphabet — script_of's ranges, as one
#: regex because the backends run it over a 150k-piece vocabulary once per process
_FOREIGN_LETTER = {
    True: re.compile(r"[^\W\d_\u0400-\u04ff]"),
    False: re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]"),
}


def other_script_tokens(text: str, lang: str) -> list[str]:
    """Words written in a script that does not belong in a ``lang`` story (mixed words included)."""
    own = "cyr" if lang == "ru" else "lat"
    bad: list[str] = []
    for token in re.findall(r"\S+", text):
        scripts = {script_of(ch) for ch in token} - {""}
        if scripts and scripts != {own}:
            bad.append(token.strip(".,;:!?«»\"'()—–-"))
    return [b for b in bad if b]


def _capitalised_inside(text: str, start: int) -> bool:
    return not _SENTENCE_START.search(text[:start])


def _ru_known(word: str) -> bool:
    from engine.text.morph import ru_analyzer

    w = word.lower().replace("ё", "е")
    morph = ru_analyzer()
    if morph.word_is_known(w):
        return True
    parts = [p for p in re.split(r"[-'’]", w) if p]
    return len(parts) > 1 and all(
        morph.word_is_known(p) or p in ("то", "ка", "нибудь", "либо") for p in parts
    )


def _en_known(word: str) -> bool:
    from engine.text.morph import en_is_known

    w = word.lower().replace("’", "'")
    for suffix in _EN_SUFFIXES:
        if w.endswith(suffix.replace("’", "'")) and len(w) > len(suffix):
            w = w[: -len(suffix)]
            break
    if en_is_known(w):
        return True
    parts = [p for p in re.split(r"[-']", w) if p]
    return len(parts) > 1 and all(en_is_known(p) for p in parts)


def invented_words(text: str, lang: str, names: Iterable[str] = ()) -> list[str]:
    """Words of the story's own script that the dictionary does not know (names excepted)."""
    allowed = {n.lower().replace("ё", "е") for name in names for n in _WORD.findall(name)}
    known = _ru_known if lang == "ru" else _en_known
    own = "cyr" if lang == "ru" else "lat"
    out: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if len(word) < 3 or any(script_of(ch) != own for ch in word if ch.isalpha()):
            continue
        low = word.lower().replace("ё", "е")
        if low in allowed or any(low.startswith(a[: max(3, len(a) - 2)]) for a in allowed if len(a) >= 4):
            continue  # a cast name, possibly inflected («Искры», «Искрой»)
        if word[:1].isupper() and _capitalised_inside(text, m.start()):
            continue  # a name the model introduced
        if not known(word):
            out.append(word)
    return out


@dataclass
class SentenceCheck:
    """The state the filters need across a story: earlier sentences and allowed names."""

    lang: str
    names: set[str] = field(default_factory=set)
    previous: list[str] = field(default_factory=list)

    def problem(self, sentence: str) -> str | None:
        """Why this sentence may not go into the story, or None."""
        if not any(ch.isalpha() for ch in sentence):
            return "no words"
        foreign = other_script_tokens(sentence, self.lang)
        if foreign:
            return "other script: " + " ".join(foreign[:3])
        banned = text_problem(sentence)
        if banned:
            return banned
        if any(word_set_similarity(sentence, p) >= REPEAT_SIMILARITY for p in self.previous):
            return "repeats an earlier sentence"
        made_up = invented_words(sentence, self.lang, self.names)
        if made_up:
            return "unknown words: " + " ".join(made_up[:3])
        return None

    def accept(self, sentence: str) -> None:
        self.previous.append(sentence)
