"""A story's title: the user's topic when it is short, else one the model proposes and the judge accepts.

The model's title is checked like any sentence (real words, the right script, about the story:
it must name the hero or one of the story's nouns); otherwise a plain genre title is used
("Сказка о драконе", "The Tale of the Dragon").
"""

from __future__ import annotations

import re

from engine.text.cleanup import clean_generation, words
from engine.text.morph import ru_inflect, tokens, unknown_ratio
from engine.text.premise import Premise

MAX_TITLE_CHARS = 60
_RU_TITLE_NOUN = {
    "fairy_tale": "Сказка о",
    "fable": "Басня о",
    "adventure": "Приключения:",
    "horror": "Страшная история о",
    "comedy": "Смешная история о",
    "scifi": "История о",
    "detective": "Дело о",
    "bedtime": "Сказка на ночь о",
}
_EN_TITLE_NOUN = {
    "fairy_tale": "The Tale of",
    "fable": "The Fable of",
    "adventure": "The Adventures of",
    "horror": "The Haunting of",
    "comedy": "The Funny Story of",
    "scifi": "The Voyage of",
    "detective": "The Case of",
    "bedtime": "A Bedtime Story of",
}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def topic_title(premise: Premise) -> str | None:
    """The topic itself ("Дракон, который боялся темноты") when the prompt was a short topic."""
    if not premise.from_topic:
        return None
    topic = premise.topic.strip().rstrip(".!?…,;:")
    if not topic or len(topic) > MAX_TITLE_CHARS:
        return None
    if premise.lang == "en":
        topic = re.sub(r"^(?:a|an)\s+", "the ", topic, flags=re.I)
    return _capitalise(topic)


def fallback_title(premise: Premise, genre: str) -> str:
    hero = premise.hero
    if premise.lang == "ru":
        lead = _RU_TITLE_NOUN.get(genre, "Сказка о")
        if lead.endswith(":"):
            return f"{lead} {hero.cap()}"
        prep_case = " ".join(ru_inflect(w, {"loct"}) for w in hero.name.split())
        prep = "об" if prep_case[:1].lower() in "аоуэиы" else "о"
        return f"{lead[:-2]} {prep} {prep_case}"
    name = (
        hero.name if hero.proper else " ".join(_capitalise(w) if w != "the" else w for w in hero.name.split())
    )
    return f"{_EN_TITLE_NOUN.get(genre, 'The Tale of')} {name}"


def model_title(premise: Premise, story_text: str, backend, seed: int) -> str | None:
    """Ask the model for a title after the story; None when what it says is not a usable title."""
    if premise.lang == "ru":
        prompt = f"{story_text}\n\nКак называется эта история? Она называется «"
        stop = ("»", "\n", "\u201d")
    else:
        prompt = f'{story_text}\n\nWhat is this story called? It is called "'
        stop = ('"', "\n", "\u201d")
    try:
        raw = backend.generate(prompt, max_tokens=16, seed=seed + 17, temperature=0.5, stop=stop)
    except Exception:  # a title is a nicety: any backend trouble falls back to the plain title
        return None
    title = clean_generation(raw).strip(" .,:;—-\"'«»")
    if not title or len(title) > MAX_TITLE_CHARS or not 1 <= len(words(title)) <= 7:
        return None
    if re.search(r"[\d<>{}\[\]]", title) or unknown_ratio(title, premise.lang) > 0:
        return None
    if premise.lang == "ru" and re.search(r"[A-Za-z]", title):
        return None
    lemmas = {t.lemma.lower() for t in tokens(title, premise.lang)}
    story_nouns = {t.lemma.lower() for t in tokens(story_text, premise.lang) if t.pos in ("NOUN", "PROPN")}
    if premise.hero.lemma.lower() not in lemmas and not (lemmas & story_nouns):
        return None
    return _capitalise(title)


def make_title(premise: Premise, genre: str, story_text: str | None, backend, seed: int) -> str:
    """Topic title, else the model's (when a backend and the story are given), else the genre title."""
    title = topic_title(premise)
    if title:
        return title
    if backend is not None and story_text:
        title = model_title(premise, story_text, backend, seed)
        if title:
            return title
    return fallback_title(premise, genre)
