"""Reading a prompt: who the hero is, which genre words it uses, and how the story opens.

Users write either a story's first sentences ("Маленький дракон Искра боялся темноты.") or a topic
("дракон, который боялся темноты", "напиши сказку про кота"). The first are kept word for word as
the opening. A topic is turned into an opening sentence of the genre ("Жил-был дракон, который
боялся темноты.") after stripping the request words and putting the hero into the nominative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.text.cleanup import drop_repeated_sentences, ensure_final_punctuation, split_sentences
from engine.text.morph import Token, ru_inflect, ru_token, tokens

_RU_REQUEST = re.compile(
    r"^(?:пожалуйста[,!]?\s+)?(?:(?:на|рас|при|со|по)?(?:пиши|скажи|думай|чини|дай|кажи|ведай|создай|сделай)(?:те)?"
    r"|хочу|хочется)\s+(?:мне\s+|нам\s+|пожалуйста[,!]?\s+)*",
    re.I,
)
_RU_GENRE_NOUN = re.compile(
    r"^(?:(?:\w+(?:ую|ю|ий|ый|ой|ое|ее)\s+){0,3})(?:сказку|сказочку|историю|историйку|рассказ|басню|притчу|"
    r"легенду|повесть|сказка|история|рассказ|басня|притча|легенда)\b[,:]?\s*(?:(?:о|об|обо|про)\s+)?",
    re.I,
)
_EN_REQUEST = re.compile(
    r"^(?:please[,!]?\s+)?(?:write|tell|make|create|give|compose|imagine)\s+(?:me\s+|us\s+)?(?:please[,!]?\s+)?",
    re.I,
)
_EN_GENRE_NOUN = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:[a-z-]+)\s+){0,3}?(?:fairy\s+tale|fairytale|story|tale|fable|legend|parable)\b"
    r"[,:]?\s*(?:(?:about|of|on)\s+)?",
    re.I,
)
_RU_RELATIVE = {"который", "которая", "которое", "которые", "кто", "что", "чтобы", "где", "когда"}
_EN_RELATIVE = {"who", "which", "that", "whose", "where", "when"}
_RU_PREP_CASE = {"о": "loct", "об": "loct", "обо": "loct", "про": "accs"}


@dataclass
class Hero:
    """The story's main character as the writer names it at the start of each beat."""

    name: str  # nominative, as written in cues: "Дракон", "Маша", "the dragon", "Tom"
    lemma: str  # for spotting mentions: "дракон", "маша", "dragon", "tom"
    gender: str = "masc"  # Russian agreement: "masc" | "femn" | "neut" | "plur"
    phrase: str = ""  # the full noun phrase in the nominative ("маленький дракон Искра")
    proper: bool = False  # a name (no article in English, capital letter)
    aliases: set[str] = field(default_factory=set)  # other lemmas that name the hero ("дракон" for Искра)

    def cap(self) -> str:
        return self.name[:1].upper() + self.name[1:]


@dataclass
class Premise:
    prompt: str
    lang: str
    hero: Hero
    opening: list[str]  # the story's first sentences (the user's own, or built from the topic)
    topic: str  # the prompt without request words ("дракон, который боялся темноты")
    from_topic: bool  # True when the opening was built from a topic rather than kept verbatim
    words: list[str] = field(default_factory=list)  # prompt lemmas (genre choice, drift checks)
    dropped: int = 0  # the user's sentences beyond the opening budget


def strip_request(prompt: str, lang: str) -> tuple[str, str]:
    """(topic, request words removed) — "Напиши сказку про кота" → ("кота", "Напиши сказку про ")."""
    text = prompt.strip()
    request, genre_noun = (_RU_REQUEST, _RU_GENRE_NOUN) if lang == "ru" else (_EN_REQUEST, _EN_GENRE_NOUN)
    m1 = request.match(text)
    rest = text[m1.end() :] if m1 else text
    m2 = genre_noun.match(rest)
    if m2 and (m1 or m2.end() < len(rest)):
        rest = rest[m2.end() :]
    removed = text[: len(text) - len(rest)]
    return rest.strip(), removed


def _is_narrative(text: str, toks: list[Token], lang: str) -> bool:
    """True when the text already tells something: a finite verb in a main clause."""
    if len(split_sentences(text)) >= 2 and text.rstrip()[-1:] in ".!?…":
        return True
    relative = _RU_RELATIVE if lang == "ru" else _EN_RELATIVE
    in_relative = False
    for t in toks:
        low = t.text.lower()
        if low in relative or (lang == "ru" and t.lemma == "который"):
            in_relative = True
            continue
        if t.pos == "VERB" and not in_relative:
            if lang == "en" and low.endswith("ing"):
                continue
            if lang == "ru":
                return _ru_finite(t.text)
            return True
        if t.pos == "AUX" and not in_relative and lang == "en":
            return True
    return False


def _ru_finite(word: str) -> bool:
    from engine.text.morph import ru_parse

    return str(ru_parse(word).tag.POS) == "VERB"


def _head_phrase(toks: list[Token], lang: str) -> list[Token]:
    """The words of the topic's head noun phrase: up to the first relative word, preposition or verb."""
    head: list[Token] = []
    relative = _RU_RELATIVE if lang == "ru" else _EN_RELATIVE
    for t in toks:
        if t.text.lower() in relative or t.pos in ("VERB", "AUX", "ADP", "CONJ") or t.lemma == "который":
            break
        head.append(t)
    return head


def find_hero(text: str, lang: str) -> Hero | None:
    """The hero: a name if there is one, else the first living noun, else the first noun."""
    toks = tokens(text, lang)
    nouns = [t for t in toks if t.pos in ("NOUN", "PROPN") and len(t.text) > 1]
    if not nouns:
        return None
    by_index = {t.index: t for t in toks}
    names = [t for t in nouns if t.pos == "PROPN"]
    if lang == "ru":
        living = [t for t in nouns if t.animate and t.case in ("nomn", "")]
        pick = (names or living or [t for t in nouns if t.animate] or nouns)[0]
        name = ru_inflect(pick.text, {"nomn"}) if pick.case and pick.case != "nomn" else pick.text
        if pick.pos != "PROPN":
            name = name.lower()
        gender = pick.gender or "masc"
        aliases = set()
        # "дракон Искра": the common noun before a name gives its gender and is another way to name it
        before = by_index.get(pick.index - 1)
        if pick.pos == "PROPN" and before is not None and before.pos == "NOUN":
            gender = before.gender or gender
            aliases.add(before.lemma.lower())
        return Hero(
            name=name,
            lemma=pick.lemma.lower(),
            gender=gender,
            phrase=name,
            proper=pick.pos == "PROPN",
            aliases=aliases,
        )
    pick = (names or nouns)[0]
    if pick.pos == "PROPN":
        aliases = set()
        # "Tom the cat" / "the cat Tom"
        after = [by_index.get(pick.index + k) for k in (1, 2)]
        if (
            after[0] is not None
            and after[0].lemma == "the"
            and after[1] is not None
            and after[1].pos == "NOUN"
        ):
            aliases.add(after[1].lemma.lower())
        before = by_index.get(pick.index - 1)
        if before is not None and before.pos == "NOUN":
            aliases.add(before.lemma.lower())
        return Hero(name=pick.text, lemma=pick.text.lower(), proper=True, phrase=pick.text, aliases=aliases)
    # English noun compounds name the hero by their last noun: "a lighthouse keeper" is a keeper
    # (the first noun only says which kind), so the story must follow the keeper, not the lighthouse.
    # A plural first noun is no modifier ("pirates search …": "search" is the verb the tagger missed).
    head: Token = pick
    singular = pick.text.lower() == pick.lemma.lower()
    while singular and (nxt := by_index.get(head.index + 1)) is not None and nxt.pos == "NOUN":
        head = nxt
    words = [by_index[i].text.lower() for i in range(pick.index, head.index)] + [head.lemma.lower()]
    name = "the " + " ".join(words)
    return Hero(name=name, lemma=head.lemma.lower(), phrase=name)


def _ru_topic_to_nominative(topic: str, removed: str) -> tuple[str, list[Token]]:
    """ "маленьком драконе, который…" after "о" → "маленький дракон, который…"."""
    prep = removed.strip().split()[-1].lower() if removed.strip() else ""
    case = _RU_PREP_CASE.get(prep)
    toks = tokens(topic, "ru")
    head = _head_phrase(toks, "ru")
    if not case or not head:
        return topic, head
    words = topic.split(" ")
    out = []
    replaced = 0
    for w in words:
        bare = w.strip(",.;:!?")
        if replaced < len(head) and bare == head[replaced].text:
            t = ru_token(bare, prefer_case=case)
            form = ru_inflect(bare, {"nomn"}, prefer_case=case) if t.case == case else bare
            out.append(w.replace(bare, form))
            replaced += 1
        else:
            out.append(w)
    return " ".join(out), tokens(" ".join(out), "ru")


_RU_WAS = {"masc": "Жил-был", "femn": "Жила-была", "neut": "Жило-было", "plur": "Жили-были"}


def opening_from_topic(topic: str, hero: Hero, lang: str, genre: str) -> str:
    """An opening sentence of the genre that carries the whole topic."""
    topic = topic.strip().rstrip(".!?…")
    if lang == "ru":
        lead = {
            "scifi": "В далёком будущем ",
            "horror": "В одном тёмном городке ",
            "detective": "В большом городе ",
            "adventure": "Далеко-далеко ",
        }.get(genre)
        was = _RU_WAS.get(hero.gender, "Жил-был")
        sentence = f"{lead}{was.split('-')[0].lower()} {topic}" if lead else f"{was} {topic}"
        return ensure_final_punctuation(sentence)
    article = ""
    first = topic.split(" ", 1)[0].lower()
    if first not in ("a", "an", "the", "my", "our", "his", "her", "their") and not topic[:1].isupper():
        article = "an " if first[:1] in "aeiou" else "a "
    lead = {
        "scifi": "In the far future, there lived ",
        "horror": "In a small, dark town there lived ",
        "detective": "In a big city there lived ",
        "adventure": "Far, far away there lived ",
    }.get(genre, "Once upon a time there was ")
    return ensure_final_punctuation(f"{lead}{article}{topic}")


def read_premise(prompt: str, lang: str, genre: str, opening_budget: int) -> Premise:
    """Hero, topic and opening sentences of a (validated) prompt."""
    topic, removed = strip_request(prompt, lang)
    if not topic:
        topic = prompt
    toks = tokens(topic, lang)
    words = [t.lemma.lower() for t in toks]
    narrative = _is_narrative(topic, toks, lang) and not removed
    if narrative:
        sentences = drop_repeated_sentences([ensure_final_punctuation(s) for s in split_sentences(topic)])
        opening: list[str] = []
        for s in sentences:
            if opening and sum(len(x) + 1 for x in opening) + len(s) > opening_budget:
                break
            opening.append(s)
        hero = find_hero(" ".join(opening), lang) or find_hero(topic, lang)
        dropped = len(sentences) - len(opening)
    else:
        if lang == "ru":
            topic, head = _ru_topic_to_nominative(topic, removed)
        else:
            head = _head_phrase(toks, lang)
        hero = find_hero(" ".join(t.text for t in head), lang) if head else None
        hero = hero or find_hero(topic, lang)
        if hero and lang == "en" and not hero.proper:
            hero.phrase = topic
        opening = [opening_from_topic(topic, hero or _fallback_hero(lang), lang, genre)]
        dropped = 0
    return Premise(
        prompt=prompt,
        lang=lang,
        hero=hero or _fallback_hero(lang),
        opening=opening,
        topic=topic,
        from_topic=not narrative,
        words=words,
        dropped=dropped,
    )


def _fallback_hero(lang: str) -> Hero:
    """When a prompt names no one, the story follows a child: the plainest hero a tale can have."""
    if lang == "ru":
        return Hero(name="мальчик", lemma="мальчик", gender="masc", phrase="мальчик")
    return Hero(name="the boy", lemma="boy", phrase="the boy")
