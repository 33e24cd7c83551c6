"""Deciding whether a sentence the model wrote belongs in the story.

Small models fail in recognisable ways: they forget who the story is about, say the same thing
again, switch to another tale (new names, a new title), invent words, or switch language. Each
check below names one of those failures so the writer can reject the sentence and try again, and
the reason can be logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.text.cleanup import word_set_similarity, words
from engine.text.morph import Token, tokens
from engine.text.premise import Hero
from engine.text.wordlists import word_set

_RU_PRONOUNS = word_set(
    "он она оно они его него ему нему им ним ей ней её ее неё нее ею нею их них ими ними нём нем сам "
    "сама сами свой своя своё свои"
)
_EN_PRONOUNS = word_set("he she it they him her them his its their himself herself itself themselves")
_NEW_TALE = re.compile(
    r"^\s*(?:сказка|глава|конец|часть|история|басня|the end|chapter|part|a fairy tale|a story)\b|"
    r"\b(?:конец|the end)\s*[.!]?\s*$",
    re.I,
)
_QUOTE = re.compile(r"«([^»]+)»|\"([^\"]+)\"")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_DIGITS = re.compile(r"\d")
_FIRST_PERSON = {
    "ru": word_set("я мне меня мной мой моя моё мои мы нас нам нами наш наша наше наши"),
    "en": word_set("i me my mine we us our ours"),
}

MIN_WORDS = 4
MAX_CHARS = 260
#: Share of words missing from the dictionary that makes a sentence "made up". Russian has a full
#: dictionary, so one invented word is enough ("дивавом"); English lemminflect misses rarer words.
MAX_UNKNOWN = {"ru": 0.0, "en": 0.15}
REPEAT_SIMILARITY = 0.5
#: A noun the user did not bring may appear in this many sentences, or in more only while it stays
#: in at most half of them: small models loop on one odd word ("комедия" in every scene), while a
#: real story's key prop (a lamp in a lighthouse tale) recurs less densely.
MAX_NOUN_REUSE = 4
#: A sentence that contains this share of an earlier sentence's words repeats it.
REPEAT_CONTAINMENT = 0.7


@dataclass
class StoryContext:
    """What the judge compares a sentence with: the hero, the story so far, the prompt's words."""

    lang: str
    hero: Hero
    sentences: list[str] = field(default_factory=list)
    known_names: set[str] = field(default_factory=set)  # proper names already in the story (lower)
    nouns: set[str] = field(default_factory=set)  # noun lemmas already in the story or prompt
    forbidden: list[str] = field(default_factory=list)  # sentences the model must not copy (the example)
    foreign: frozenset[str] = frozenset()  # lemmas that belong to the example, not to this story
    prompt_nouns: set[str] = field(default_factory=set)  # the user's own nouns may recur freely
    noun_uses: dict[str, int] = field(default_factory=dict)  # sentences each noun lemma appeared in

    def add(self, sentence: str, toks: list[Token] | None = None) -> None:
        self.sentences.append(sentence)
        toks = toks if toks is not None else tokens(sentence, self.lang)
        for lemma in {t.lemma.lower() for t in toks if t.pos == "NOUN"}:
            self.noun_uses[lemma] = self.noun_uses.get(lemma, 0) + 1
        for t in toks:
            if t.pos == "PROPN":
                self.known_names.add(t.lemma.lower())
            if t.pos in ("NOUN", "PROPN"):
                self.nouns.add(t.lemma.lower())


def mentions_hero(toks: list[Token], hero: Hero) -> bool:
    names = {hero.lemma.lower(), *hero.aliases}
    return any(t.lemma.lower() in names or t.text.lower() in names for t in toks)


def has_pronoun(toks: list[Token], lang: str) -> bool:
    pronouns = _RU_PRONOUNS if lang == "ru" else _EN_PRONOUNS
    return any(t.text.lower() in pronouns for t in toks)


_RU_CLAUSE_START = re.compile(r",\s*(?:что|как|будто|когда)\s+([^,.!?;:—]+)", re.I)
_EN_CLAUSE_START = re.compile(r"\b(?:that|how)\s+([^,.!?;:—]+)", re.I)
_PREDICATES = frozenset({"VERB", "AUX"})


def quoted_speech(text: str) -> list[str]:
    """The lines of direct speech in a sentence, lower-cased («…» or "…")."""
    return [(a or b).strip().lower() for a, b in _QUOTE.findall(text)]


def hero_verb_disagrees(toks: list[Token], hero: Hero) -> bool:
    """True for "Искра сидела" when the story's Искра is a (masculine) dragon.

    The model guesses a name's gender afresh in every sentence; a story that switches between
    "он" and "она" for its hero reads broken, so the gender fixed by the premise wins.
    """
    if hero.gender not in ("masc", "femn", "neut"):
        return False
    from engine.text.morph import ru_parse

    names = {hero.lemma.lower(), *hero.aliases}
    for i, t in enumerate(toks):
        if t.lemma.lower() not in names:
            continue
        for nxt in toks[i + 1 : i + 4]:
            tag = ru_parse(nxt.text).tag
            if str(tag.POS) == "VERB" and tag.tense == "past":
                return tag.number == "sing" and tag.gender is not None and str(tag.gender) != hero.gender
            if nxt.pos in ("NOUN", "PROPN", "CONJ"):
                break
    return False


def clause_lacks_verb(text: str, lang: str) -> bool:
    """True for "…увидел, что маленькая звезда в темноте." — a "что/that" clause with no verb in it.

    Small models often stop a subordinate clause before its verb; the sentence then reads broken.
    Russian short adjectives and predicatives ("было темно", "звезда красива") count as verbs.
    """
    pattern = _RU_CLAUSE_START if lang == "ru" else _EN_CLAUSE_START
    for m in pattern.finditer(text):
        clause = m.group(1)
        toks = tokens(clause, lang)
        if len(toks) < 2:
            continue
        if lang == "ru":
            from engine.text.morph import ru_parse

            if not any(
                str(ru_parse(t.text).tag.POS) in ("VERB", "PRTS", "ADJS", "PRED", "INFN") for t in toks
            ):
                return True
        elif not any(t.pos in _PREDICATES for t in toks):
            return True
    return False


def _form_problem(text: str, lang: str) -> str | None:
    """Problems visible in the sentence's shape alone (length, ending, quotes, digits, script)."""
    if len(words(text)) < MIN_WORDS:
        return "too short"
    if len(text) > MAX_CHARS:
        return "too long"
    if text.rstrip("»\"')”")[-1:] not in ".!?…":
        return "unfinished"
    if not (text[:1].isupper() or text[:1] in "«\"'“—-"):
        return "does not start like a sentence"
    if text.count("«") != text.count("»") or text.count('"') % 2:
        return "unbalanced quotes"
    if _NEW_TALE.search(text):
        return "starts another tale"
    if _DIGITS.search(text):
        return "digits (lists, dates, chapter numbers)"
    foreign = _LATIN if lang == "ru" else _CYRILLIC
    if len(foreign.findall(text)) > 2:
        return "wrong language"
    return None


def _repeats(text: str, ctx: StoryContext) -> str | None:
    """A repeat of an earlier sentence or line of speech (or of the example story)."""
    quotes = {q for q in quoted_speech(text) if len(words(q)) >= 3}
    if quotes and any(q in quotes for s in ctx.sentences for q in quoted_speech(s)):
        return "repeats an earlier line of speech"
    mine = set(words(text))
    for earlier in [*ctx.sentences, *ctx.forbidden]:
        theirs = set(words(earlier))
        shared = len(theirs & mine)
        contained = (len(theirs) >= 4 and shared >= REPEAT_CONTAINMENT * len(theirs)) or (
            len(mine) >= 4 and shared >= 0.8 * len(mine)  # a shorter echo: "Tom saw many more stars."
        )
        if contained or word_set_similarity(text, earlier) >= REPEAT_SIMILARITY:
            return "repeats an earlier sentence"
    return None


def _drift(toks: list[Token], ctx: StoryContext, allow_new_names: bool) -> str | None:
    """New characters, one word harped on, or a sentence about something else entirely."""
    new_names = {
        t.lemma.lower()
        for t in toks
        if t.pos == "PROPN"
        and t.index > 0
        and t.lemma.lower() not in ctx.known_names
        and t.lemma.lower() != ctx.hero.lemma
    }
    if new_names and not allow_new_names:
        return "drifts to new characters: " + ", ".join(sorted(new_names))
    hero_names = {ctx.hero.lemma.lower(), *ctx.hero.aliases}
    for t in toks:
        lemma = t.lemma.lower()
        fresh_noun = t.pos == "NOUN" and lemma not in hero_names and lemma not in ctx.prompt_nouns
        uses = ctx.noun_uses.get(lemma, 0)
        if fresh_noun and uses >= MAX_NOUN_REUSE and uses > 0.5 * len(ctx.sentences):
            return f"harps on one word: {lemma}"
    nouns = [t.lemma.lower() for t in toks if t.pos == "NOUN" and t.known]
    fresh = [n for n in nouns if n not in ctx.nouns]
    if len(fresh) >= 4 and len(fresh) == len(nouns) and not mentions_hero(toks, ctx.hero):
        return "drifts to another subject"
    return None


def sentence_problem(
    sentence: str, ctx: StoryContext, *, first_in_beat: bool, allow_new_names: bool = False
) -> str | None:
    """Why the sentence must go (a short reason), or None when it may stay."""
    text = sentence.strip()
    problem = _form_problem(text, ctx.lang)
    if problem:
        return problem
    toks = tokens(text, ctx.lang)
    if sum(1 for t in toks if t.text.lower() in _FIRST_PERSON[ctx.lang]) and not re.search(r"[«\"“—:]", text):
        return "switches to the first person"
    from engine.text.morph import unknown_ratio

    if unknown_ratio(text, ctx.lang) > MAX_UNKNOWN.get(ctx.lang, 0.15):
        return "made-up words"
    if ctx.foreign and any(t.lemma.lower().replace("ё", "е") in ctx.foreign for t in toks):
        return "borrows from the example story"
    problem = _repeats(text, ctx)
    if problem:
        return problem
    if not first_in_beat and not mentions_hero(toks, ctx.hero) and not has_pronoun(toks, ctx.lang):
        return "loses the hero"
    if clause_lacks_verb(text, ctx.lang):
        return "a clause without a verb"
    if ctx.lang == "ru" and hero_verb_disagrees(toks, ctx.hero):
        return "the hero's verb has the wrong gender"
    return _drift(toks, ctx, allow_new_names)
