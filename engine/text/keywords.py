"""The part-of-speech filter: a scene's nouns and adjectives, lemmatised, most important first.

This is the seed project's image-prompt idea (keep what can be drawn, drop the rest), made
deterministic: nouns are what a picture shows, adjectives say how they look. Importance is the
hero first, then subjects (nominative nouns), living things, repeated words, then the order in the
text. Adjectives are attached to the noun they stand before ("тёмный лес", "old castle") so the
image prompt reads as phrases; in Russian the adjective is agreed with the noun's gender.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.text.morph import Token, ru_inflect, tokens
from engine.text.wordlists import word_set

MAX_KEYWORDS = 6

#: Lemmas a picture cannot show or that say nothing on their own.
_STOP = {
    "ru": word_set(
        "раз время всё весь который такой свой этот тот каждый другой один сам самый никто ничто "
        "нечто конец начало мысль слово дело способ жизнь день час минута секунда момент вещь сторона "
        "часть место образ вид случай жизнь год неделя правда чудный целый любой многий последний "
        "первый следующий настоящий главный нужный должный хотеть мочь очень сказка история рассказ "
        "басня однажды её ее неё нее него нему ней ним любимый пора протяжение"
    ),
    "en": word_set(
        "time thing way day moment minute second end beginning idea word kind lot part place side bit "
        "sort story tale fable own other same such many much little first last next whole able sure "
        "once upon very one out all more anything everything nothing something lot how what why where "
        "when go front"
    ),
}


@dataclass(frozen=True)
class Keyword:
    lemma: str
    pos: str  # "NOUN" | "PROPN" | "ADJ"
    phrase: str  # how it goes into the image prompt ("тёмный лес")
    score: float


def _noun_score(tok: Token, hero_lemmas: set[str], count: int) -> float:
    score = 3.0 + 0.5 * (count - 1)
    if tok.lemma.lower() in hero_lemmas:
        score += 10.0
    if tok.case == "nomn":
        score += 1.5
    if tok.animate or tok.pos == "PROPN":
        score += 1.0
    return score - 0.01 * tok.index


def extract_keywords(
    text: str, lang: str, hero_lemmas: set[str] | frozenset[str] = frozenset(), limit: int = MAX_KEYWORDS
) -> list[Keyword]:
    """Nouns (with their adjectives) of a text, most important first, de-duplicated by lemma."""
    stop = _STOP["ru" if lang == "ru" else "en"]
    toks = tokens(text, lang)
    heroes = {h.lower() for h in hero_lemmas}
    counts: dict[str, int] = {}
    for t in toks:
        if t.pos in ("NOUN", "PROPN"):
            counts[t.lemma.lower()] = counts.get(t.lemma.lower(), 0) + 1
    best: dict[str, Keyword] = {}
    used_adjectives: set[str] = set()
    for i, tok in enumerate(toks):
        lemma = tok.lemma.lower()
        if (
            tok.pos not in ("NOUN", "PROPN")
            or lemma in stop
            or len(lemma) < 2
            or (not tok.known and tok.pos != "PROPN")
        ):
            continue
        adjectives = [] if tok.pos == "PROPN" else _adjectives_before(toks, i, stop)  # names take none
        used_adjectives.update(a.lemma for a in adjectives)
        phrase = _phrase(tok, adjectives, lang)
        score = _noun_score(tok, heroes, counts.get(lemma, 1)) + 0.3 * len(adjectives)
        key = lemma
        if key not in best or best[key].score < score or (len(phrase) > len(best[key].phrase)):
            base = best.get(key)
            best[key] = Keyword(lemma, tok.pos, phrase, max(score, base.score if base else score))
    ranked = sorted(best.values(), key=lambda k: -k.score)
    # adjectives with no noun after them (predicates: "лес был тёмный") still colour the picture
    seen = {k.lemma for k in ranked}
    for tok in toks:
        participle = tok.text.lower().endswith(("щий", "вший", "щая", "вшая", "щее", "щие"))
        if (
            tok.pos == "ADJ"
            and tok.known
            and not participle
            and tok.lemma not in stop | seen | used_adjectives
        ):
            ranked.append(Keyword(tok.lemma, "ADJ", tok.lemma, 0.5 - 0.01 * tok.index))
            seen.add(tok.lemma)
    return ranked[:limit]


def _adjectives_before(toks: list[Token], i: int, stop: set[str] | frozenset[str]) -> list[Token]:
    out: list[Token] = []
    j = i - 1
    while (
        j >= 0
        and toks[j].pos == "ADJ"
        and toks[j].index == toks[i].index - (i - j)
        and not toks[j + 1].starts
    ):
        if toks[j].lemma not in stop and toks[j].known and not toks[j].text.lower().endswith(("щий", "вший")):
            out.insert(0, toks[j])
        j -= 1
    return out[-2:]


def _phrase(noun: Token, adjectives: list[Token], lang: str) -> str:
    head = noun.text if noun.pos == "PROPN" else noun.lemma
    if lang != "ru":
        return " ".join([*(a.lemma for a in adjectives), head])
    if noun.pos == "PROPN":
        head = ru_inflect(noun.text, {"nomn"}) if noun.case and noun.case != "nomn" else noun.text
    gender = noun.gender if noun.gender in ("masc", "femn", "neut") else "masc"
    number = "plur" if noun.gender == "plur" else "sing"
    if number == "plur":
        head = ru_inflect(noun.text, {"nomn", "plur"}, prefer_case=noun.case)
    agreed = []
    for a in adjectives:
        grams = {"nomn", "plur"} if number == "plur" else {"nomn", "sing", gender}
        agreed.append(ru_inflect(a.lemma, grams).lower())
    return " ".join([*agreed, head])


def image_prompt(keywords: list[Keyword]) -> str:
    """Keywords joined into the prompt the images block reads (phrases, most important first)."""
    return ", ".join(k.phrase for k in keywords)
