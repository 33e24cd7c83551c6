"""Words of a scene → lemmas, in Russian (pymorphy3) and English (a small suffix stripper).

Everything here treats text as data: words are matched against dictionaries (the curated word map,
the asset index); nothing from a prompt ever becomes a path or a command.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache

_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_lock = threading.Lock()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: English words that are never picture subjects, even when an emoji annotation contains them.
EN_STOP = _words(
    """
    a an the and or but if then so of to in on at by for with from into onto over under up down out
    off about as is are was were be been being have has had do does did will would can could shall
    should may might must he she it they we you i me him her them us my his its their our your this
    that these those there here who whom whose which what when where why how all any some no not
    very too also just only once upon time one two three first last next other another each every
    said says say saw see seen went go goes come came got get make made took take looked look back
    little big old new good bad great long away again still even never always much many more most
    day window door wall small big large tiny huge young ancient strange golden dark bright cool hot
    cold warm wet dry white black red green blue yellow single whole brave wise happy sad kind
    clever funny scary quiet loud tall short high low deep early late broken
"""
)

#: Russian lemmas that are never subjects (pronoun-like nouns, abstract words emoji tags love).
RU_STOP = _words(
    """
    время раз день год жизнь мир дело слово сила вещь сторона конец начало путь голос глаз рука нога
    голова лицо сердце душа мысль сказка история место чудо помощь радость страх друг вода праздник
    новость ответ вопрос утро вечер ночь окно дверь стена кусок
    край часть
"""
)


#: Never drawn as a floating object, in either language: body parts (a story's "hungry eyes" are the
#: character's, not two eyeballs in the sky) and abstract nouns (fear, friendship, a dream).
NEVER_DRAWN = _words(
    """
    глаз глазок око рука ручка ладонь палец нога ножка ступня пятка колено локоть плечо голова
    лицо лоб щека нос рот губа зуб язык ухо ушко волос волосы борода усы шея спина живот пузо
    грудь сердце кровь кость коготь лапа лапка хвост хвостик крыло крылышко бровь ресница кожа
    тело клык сон мечта страх ужас радость счастье грусть печаль тоска любовь дружба надежда
    вера мысль идея тайна секрет правда ложь смелость храбрость доброта злость гнев жадность
    голод жажда память слеза улыбка смех крик шепот тишина звук шум магия волшебство чудо
    eye eyes eyeball hand hands finger fingers palm foot feet leg legs knee elbow shoulder head
    face forehead cheek nose mouth lip lips tooth teeth tongue ear ears hair beard moustache neck
    belly tummy chest heart blood bone claw claws paw paws tail wing wings brow eyebrow skin body
    fang fangs dream fear joy happiness sadness love friendship hope faith thought idea secret
    truth lie courage kindness anger greed hunger thirst memory tear tears smile laugh laughter
    scream whisper silence sound noise magic wonder
"""
)


@dataclass(frozen=True)
class Token:
    surface: str  # the word as written (only ever used as data)
    lemma: str  # normal form, lower case, ё → е
    lang: str  # "ru" | "en"
    noun: bool  # the most likely reading is a noun
    name_gender: str = ""  # "masc" / "femn" when the word is a first name (Маша, Иван)


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=1)
def _morph():
    """The Russian analyser, loaded once per process (it reads ~15 MB of dictionaries)."""
    with _lock:
        from engine.lang.morph import morph

        return morph()


@lru_cache(maxsize=20000)
def _ru(word: str, capitalised: bool) -> Token:
    parses = _morph().parse(word)
    if not parses:
        return Token(word, _norm(word), "ru", False)
    best = parses[0]
    if "Name" in best.tag:
        # "улей" also parses as a form of the name "Уля": a first name must be capitalised, and a
        # plain noun whose dictionary form is the word itself wins over a name's inflected form.
        plain = [p for p in parses if p.tag.POS == "NOUN" and "Name" not in p.tag and "Surn" not in p.tag]
        own = [p for p in plain if _norm(p.normal_form) == _norm(word)]
        if own or (plain and not capitalised):
            best = (own or plain)[0]
    gender = ""
    if "Name" in best.tag and capitalised:
        gender = "femn" if "femn" in best.tag else "masc"
    noun = best.tag.POS == "NOUN"
    return Token(word, _norm(best.normal_form), "ru", noun, gender)


def english_lemma(word: str, known: frozenset[str] | set[str] | dict | None = None) -> str:
    """Plural → singular by suffix rules; with ``known``, the first candidate that is a known word."""
    w = word.lower()
    irregular = {"mice": "mouse", "geese": "goose", "children": "child", "men": "man", "women": "woman",
                 "people": "person", "teeth": "tooth", "feet": "foot", "wolves": "wolf", "elves": "elf",
                 "dwarves": "dwarf", "leaves": "leaf", "knives": "knife", "thieves": "thief",
                 "fairies": "fairy", "puppies": "puppy", "bunnies": "bunny", "ponies": "pony"}  # fmt: skip
    if w in irregular:
        return irregular[w]
    candidates = [w]
    if len(w) > 3 and w.endswith("ies"):
        candidates.append(w[:-3] + "y")
    if len(w) > 3 and w.endswith("ves"):
        candidates += [w[:-3] + "f", w[:-3] + "fe"]
    if len(w) > 3 and w.endswith("es"):
        candidates.append(w[:-2])
    if len(w) > 2 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        candidates.append(w[:-1])
    if known is not None:
        for c in candidates:
            if c in known:
                return c
    return candidates[-1] if len(candidates) > 1 else w


def tokens(text: str, known_en: frozenset[str] | set[str] | dict | None = None) -> list[Token]:
    """Words of ``text`` in order, lemmatised; anything that is not a letter run is dropped."""
    out: list[Token] = []
    for m in _WORD.finditer(text or ""):
        word = m.group(0)
        if len(word) > 40:
            continue
        if _CYRILLIC.search(word):
            out.append(replace(_ru(word.lower(), word[:1].isupper()), surface=word))
        else:
            lemma = english_lemma(word, known_en)
            out.append(Token(word, lemma, "en", lemma not in EN_STOP))
    return out


def lemmas(text: str) -> list[str]:
    return [t.lemma for t in tokens(text)]


def is_russian(text: str) -> bool:
    return bool(_CYRILLIC.search(text or ""))
