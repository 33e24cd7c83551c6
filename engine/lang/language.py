"""Which of our two story languages a text is in, and whether it is really in one of them.

Counting scripts is enough to tell Russian from English and costs nothing; a few tell-tale letters
and function words catch the common other languages (Ukrainian, German, French, Spanish, …) so the
story can say honestly that it was written in the nearest language we support.
"""

from __future__ import annotations

import re

SUPPORTED = ("ru", "en")


def word_set(*chunks: str) -> frozenset[str]:
    """frozenset of the whitespace-separated words in the chunks (lists stay readable as text)."""
    return frozenset(w for chunk in chunks for w in chunk.split())


_NON_RUSSIAN_CYRILLIC = set("іїєґўІЇЄҐЎјљњћџђѓќЈЉЊЋЏЂЃЌ")
_NON_ENGLISH_LATIN = set("äöüßàâæçéèêëîïôœùûÿñáíóúãõåøìòąćęłńśźżčďěňřšťůž")
_UKRAINIAN_WORDS = word_set("який яка яке які що це він вона воно вони був була було дуже але також або щоб")
_WORD = re.compile(r"[^\W\d_]+", re.U)
_EN_FUNCTION_WORDS = word_set(
    "the a an and of to in is was were he she it they who which that with for on at his her their "
    "there once upon about story tale from by be are had have this"
)
_OTHER_LATIN_FUNCTION_WORDS = word_set(
    "der die das und ist ein eine nicht mit le la les et est une des du el los las y es un una del il "
    "lo gli di che non è och att är een het van de"
)


def script_counts(text: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in the text."""
    cyr = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    lat = sum(1 for ch in text if (ch.isalpha() and ch.isascii()) or ch.lower() in _NON_ENGLISH_LATIN)
    return cyr, lat


def detect_language(text: str) -> str:
    """ "ru" or "en": the script most of the letters are in (Russian wins a tie; no letters → "en")."""
    cyr, lat = script_counts(text)
    if cyr == 0 and lat == 0:
        return "en"
    return "ru" if cyr >= lat else "en"


def is_native(text: str, lang: str) -> bool:
    """False when the text looks like another language written in the same script as ``lang``."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if lang == "ru":
        return not any(ch in _NON_RUSSIAN_CYRILLIC for ch in text) and not any(
            w in _UKRAINIAN_WORDS for w in words
        )
    odd_letters = sum(1 for ch in lowered if ch in _NON_ENGLISH_LATIN)
    english = sum(1 for w in words if w in _EN_FUNCTION_WORDS)
    other = sum(1 for w in words if w in _OTHER_LATIN_FUNCTION_WORDS)
    if odd_letters >= 2 and english <= other:
        return False
    return not (other > english and other >= 2)
