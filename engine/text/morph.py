"""Word analysis for both languages: part of speech, lemma, and "is this a real word".

Russian uses pymorphy3 with its OpenCorpora dictionary (shipped in the wheel). English has no
tagger model installable offline, so it uses lemminflect's lexicon (the word → lemma tables of the
SPECIALIST lexicon, shipped in its wheel) for each word's possible parts of speech plus a few
context rules to pick one: enough for "which words are nouns and adjectives" and for spotting
made-up words, which is all the story writer and the image prompts need.

Both analysers are loaded on first use and kept for the life of the process.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from engine.text.wordlists import word_set

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)


@dataclass(frozen=True)
class Token:
    """One word with the part of speech picked for it (Universal POS names) and its lemma."""

    text: str
    pos: str  # NOUN, PROPN, ADJ, VERB, AUX, ADV, PRON, DET, ADP, CONJ, NUM, PART, X
    lemma: str
    known: bool = True  # the word is in the dictionary
    case: str = ""  # Russian case ("nomn", "gent", …); empty for English
    animate: bool = False
    gender: str = ""  # "masc" | "femn" | "neut" | "plur" | ""
    index: int = 0  # position in the text
    starts: bool = False  # the first word of a sentence


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def sentence_starts(text: str) -> set[int]:
    """Indexes of the words (as ``tokenize`` returns them) that begin a sentence."""
    starts = {0}
    end = 0
    for i, m in enumerate(_TOKEN.finditer(text)):
        if i and re.search(r"[.!?…]\W*$", text[end : m.start()]):
            starts.add(i)
        end = m.end()
    return starts


# --------------------------------------------------------------------------- Russian


@lru_cache(maxsize=1)
def ru_analyzer():
    from engine.lang.morph import morph

    return morph()


_RU_POS = {
    "NOUN": "NOUN",
    "ADJF": "ADJ",
    "ADJS": "ADJ",
    "COMP": "ADV",  # "больше", "светлее": comparatives work as adverbs in stories
    "VERB": "VERB",
    "INFN": "VERB",
    "PRTF": "ADJ",
    "PRTS": "VERB",
    "GRND": "VERB",
    "NUMR": "NUM",
    "ADVB": "ADV",
    "NPRO": "PRON",
    "PRED": "ADV",
    "PREP": "ADP",
    "CONJ": "CONJ",
    "PRCL": "PART",
    "INTJ": "X",
}


def ru_parse(word: str):
    """pymorphy3's most likely parse of a word."""
    return ru_analyzer().parse(word)[0]


def _pick_parse(parses, prefer_case: str | None):
    """The best parse, or the best one in ``prefer_case`` — of the same word (lexeme) when possible."""
    p = parses[0]
    if not prefer_case:
        return p
    in_case = [q for q in parses if q.tag.case == prefer_case]
    same = [q for q in in_case if q.normal_form == p.normal_form]
    return (same or in_case or [p])[0]


def ru_token(
    word: str, index: int = 0, prefer_case: str | None = None, sentence_start: bool | None = None
) -> Token:
    p = _pick_parse(ru_analyzer().parse(word), prefer_case)
    pos = _RU_POS.get(str(p.tag.POS), "X")
    starts_sentence = index == 0 if sentence_start is None else sentence_start
    capital_inside = word[:1].isupper() and not starts_sentence
    in_dictionary = ru_analyzer().word_is_known(word.lower())
    if (pos == "NOUN" and ({"Name", "Surn", "Patr", "Geox"} & set(p.tag.grammemes) or capital_inside)) or (
        capital_inside and not in_dictionary
    ):
        pos = "PROPN"  # a capitalised word inside a sentence that no dictionary knows is a name
    gender = "plur" if p.tag.number == "plur" else str(p.tag.gender or "")
    known = ru_analyzer().word_is_known(word.lower()) or pos in ("PROPN",)
    return Token(
        text=word,
        pos=pos,
        lemma=p.normal_form.replace("ё", "е"),
        known=known,
        case=str(p.tag.case or ""),
        animate=p.tag.animacy == "anim",
        gender=gender,
        index=index,
    )


def ru_tokens(text: str) -> list[Token]:
    starts = sentence_starts(text)
    out = []
    for i, w in enumerate(tokenize(text)):
        tok = ru_token(w, i, sentence_start=i in starts)
        out.append(dataclasses.replace(tok, starts=i in starts))
    return out


def ru_inflect(word: str, grammemes: set[str], prefer_case: str | None = None) -> str:
    """The word in another form (e.g. {"nomn"}), keeping its capitalisation; the word itself if impossible."""
    p = _pick_parse(ru_analyzer().parse(word), prefer_case)
    form = p.inflect(grammemes)
    if form is None:
        return word
    out = form.word
    if word[:1].isupper():
        out = out[:1].upper() + out[1:]
    return out


# --------------------------------------------------------------------------- English

_EN_CLOSED: dict[str, str] = {}
for _pos, _words in {
    "DET": "a an the this that these those some any no every each another other such what which whose",
    "PRON": (
        "i you he she it we they me him her us them my your his its our their mine yours hers ours "
        "theirs myself yourself himself herself itself ourselves themselves who whom someone something "
        "anyone anything everyone everything nobody nothing one"
    ),
    "ADP": (
        "of in on at to for with from by about into onto over under above below between through "
        "across behind beyond near toward towards among around along past inside outside upon "
        "without within during before after against like off"
    ),
    "CONJ": "and or but nor so yet because if when while although though until unless as than whether where",
    "AUX": (
        "is am are was were be been being do does did have has had will would shall should can could "
        "may might must"
    ),
    "PART": "not n't to there",
    "ADV": (
        "very too also just then now here only even still never always again soon once ever down up "
        "away back out home far"
    ),
}.items():
    for _w in _words.split():
        _EN_CLOSED[_w] = _pos
_EN_SUBJECT_PRONOUNS = word_set("i you he she it we they who")
_EN_ORDER = ("NOUN", "VERB", "ADJ", "ADV", "AUX", "PROPN")


@lru_cache(maxsize=4096)
def _en_candidates(word: str) -> dict[str, tuple[str, ...]]:
    import lemminflect

    return dict(lemminflect.getAllLemmas(word))


def en_is_known(word: str) -> bool:
    w = word.lower()
    return w in _EN_CLOSED or bool(_en_candidates(w))


def en_tokens(text: str) -> list[Token]:
    """Tag English words: closed-class list, lexicon candidates, then context rules for ambiguity."""
    words = tokenize(text)
    starts = sentence_starts(text)  # capital letters mean little at a sentence start
    capitalised_inside = {w for i, w in enumerate(words) if i not in starts and w[:1].isupper()}
    tokens: list[Token] = []
    for i, word in enumerate(words):
        low = word.lower().replace("’", "'")
        prev = tokens[-1] if tokens else None
        if low in _EN_CLOSED:
            pos = _EN_CLOSED[low]
            if low == "to" and i + 1 < len(words) and "VERB" in _en_candidates(words[i + 1].lower()):
                pos = "PART"
            elif low == "to":
                pos = "ADP"
            elif low == "that" and prev is not None and prev.pos in ("NOUN", "PROPN"):
                pos = "PRON"
            tokens.append(Token(word, pos, low, True, index=i))
            continue
        cands = _en_candidates(low)
        next_low = words[i + 1].lower() if i + 1 < len(words) else ""
        named_at_start = i in starts and (
            word in capitalised_inside or (next_low == "the" and "NOUN" in cands)
        )
        if (
            word[:1].isupper()
            and (i not in starts or named_at_start)
            and (not cands or set(cands) <= {"PROPN", "NOUN"})
        ):
            tokens.append(Token(word, "PROPN", word, bool(cands), index=i))
            continue
        if not cands:
            pos = "ADV" if low.endswith("ly") else "VERB" if low.endswith(("ing", "ed")) else "NOUN"
            if word[:1].isupper():
                pos = "PROPN"
            tokens.append(Token(word, pos, low, False, index=i))
            continue
        pos = _pick_en_pos(cands, prev, next_low, low)
        lemma = cands.get(pos, next(iter(cands.values())))[0]
        tokens.append(Token(word, pos, lemma.lower(), True, index=i))
    return tokens


def _pick_en_pos(
    cands: dict[str, tuple[str, ...]], prev: Token | None, next_word: str, word: str = ""
) -> str:
    options = [p for p in _EN_ORDER if p in cands]
    if len(options) == 1:
        return options[0]
    prev_pos = prev.pos if prev else ""
    prev_low = prev.lemma if prev else ""
    next_cands = _en_candidates(next_word) if next_word and next_word not in _EN_CLOSED else {}
    if prev_pos in ("DET", "ADJ") or prev_low in ("my", "your", "his", "her", "its", "our", "their"):
        if "ADJ" in options and "NOUN" in next_cands:
            return "ADJ"
        if "NOUN" in options:
            return "NOUN"
    if (
        word.endswith("ing")
        and "VERB" in options
        and prev_low in ("is", "am", "are", "was", "were", "be", "been")
    ):
        return "VERB"  # "was going": a progressive verb, not an adjective
    if "ADJ" in options and prev_low in ("is", "am", "are", "was", "were", "be", "been", "very", "so", "too"):
        return "ADJ"
    if "VERB" in options and prev_low in ("not", "n't", "never", "did", "do", "does"):
        return "VERB"
    after_to = prev_pos == "PART" and prev_low == "to"
    if "VERB" in options and (after_to or prev_pos == "AUX" or prev_low in _EN_SUBJECT_PRONOUNS):
        return "VERB"
    if prev_pos in ("NOUN", "PROPN") and "VERB" in options:
        return "VERB"
    inflected_verb = "VERB" in options and cands["VERB"][0] != word
    if inflected_verb and prev_pos not in ("DET", "ADJ", "ADP"):
        return "VERB"  # "saw", "felt", "left": past forms read as verbs unless a determiner says otherwise
    return options[0]


def tokens(text: str, lang: str) -> list[Token]:
    if lang == "ru":
        return ru_tokens(text)
    starts = sentence_starts(text)
    return [dataclasses.replace(t, starts=t.index in starts) for t in en_tokens(text)]


def unknown_ratio(text: str, lang: str) -> float:
    """Share of words (longer than 2 letters, not capitalised names) missing from the dictionary."""
    toks = [t for t in tokens(text, lang) if len(t.text) > 2 and t.pos != "PROPN"]
    if not toks:
        return 0.0
    return sum(1 for t in toks if not t.known) / len(toks)
