"""The mood vocabulary shared with the music and images blocks, and a lexicon to read it from text.

MOODS is the contract: the music block picks tempo/mode/instrumentation from it, the images block
picks palette and lighting. Every Scene.mood and Story.mood is one of these names:

- ``calm``        quiet, everyday, peaceful (default when nothing stands out)
- ``happy``       joy, play, friendship, warmth, celebration
- ``sad``         loss, loneliness, tears, missing someone
- ``scary``       fear, darkness, monsters, danger felt by the hero
- ``tense``       conflict, chase, struggle, urgency, a problem to solve
- ``triumphant``  victory, courage rewarded, rescue, the climax resolved
- ``mysterious``  secrets, magic, the unknown, night wonders, a strange discovery

A scene's mood is the lexicon's vote over its lemmas; the story's beat (problem, climax, ending…)
breaks ties and fills in when the words say nothing.
"""

from __future__ import annotations

from collections import Counter

MOODS: tuple[str, ...] = ("calm", "happy", "sad", "scary", "tense", "triumphant", "mysterious")

_LEXICON: dict[str, dict[str, str]] = {
    "ru": {
        "calm": (
            "тихий спокойный тишина покой мирный уютный сон спать отдыхать отдых мягкий тёплый тепло "
            "луг поле река озеро утро вечер облако ласковый медленно неспешный домик дом сад"
        ),
        "happy": (
            "радость радостный радоваться весёлый веселье смех смеяться улыбка улыбаться счастье "
            "счастливый друг дружба праздник играть игра танцевать песня петь обнимать добрый "
            "любить любовь подарок солнце солнечный"
        ),
        "sad": (
            "грустный грусть печаль печальный плакать слеза слезы одинокий одиночество скучать "
            "тоска потерять потеря один горе горький прощаться уйти несчастный жалеть"
        ),
        "scary": (
            "страх страшный бояться испугаться испуг ужас ужасный темнота тёмный тьма чудовище "
            "монстр призрак привидение кошмар жуткий дрожать крик кричать кладбище тень опасный "
            "вой выть ведьма паук мрак мрачный"
        ),
        "tense": (
            "опасность бежать погоня гнаться спешить срочно беда проблема битва бой драться "
            "сражаться враг ловушка буря гроза шторм спасать пропасть пропасть искать поиск "
            "сердиться злой злиться угроза вдруг спор трудный трудно"
        ),
        "triumphant": (
            "победа победить побеждать смелость смелый храбрый храбрость герой спасти спасение "
            "одолеть гордый гордиться слава награда ура получиться справиться наконец смочь "
            "вернуться чемпион"
        ),
        "mysterious": (
            "тайна тайный загадка загадочный волшебный волшебство магия чудо чудесный странный "
            "секрет таинственный звезда звёздный луна лунный туман неведомый невидимый сияние "
            "светиться мерцать пещера карта ключ дверь"
        ),
    },
    "en": {
        "calm": (
            "quiet calm peace peaceful cozy cosy sleep rest soft warm meadow field river lake morning "
            "evening cloud gentle slowly home garden still"
        ),
        "happy": (
            "joy joyful happy happiness laugh laughter smile glad fun merry friend friendship party "
            "play game dance song sing hug kind love gift sunny sunshine cheerful"
        ),
        "sad": (
            "sad sadness sorrow cry tear tears lonely loneliness miss lost lose alone grief goodbye "
            "unhappy gloomy weep"
        ),
        "scary": (
            "fear afraid scared scary frighten frightened terror terrible dark darkness monster ghost "
            "nightmare creepy tremble scream shadow danger dangerous howl witch spider haunted"
        ),
        "tense": (
            "run chase hurry trouble problem fight battle enemy trap storm thunder rescue search "
            "angry threat suddenly struggle difficult race escape"
        ),
        "triumphant": (
            "victory win won brave bravery courage courageous hero save saved proud glory reward "
            "cheer finally succeed defeat champion triumph"
        ),
        "mysterious": (
            "mystery mysterious secret magic magical wonder wonderful strange puzzle riddle star moon "
            "moonlight fog mist unknown invisible glow glowing shimmer cave map key door"
        ),
    },
}


def _index(lang: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for mood, words in _LEXICON[lang].items():
        for w in words.split():
            table.setdefault(w.replace("ё", "е"), mood)
    return table


_INDEX = {lang: _index(lang) for lang in _LEXICON}


def mood_votes(lemmas: list[str], lang: str) -> Counter[str]:
    """How many of the lemmas point to each mood."""
    index = _INDEX["ru" if lang == "ru" else "en"]
    return Counter(index[lem] for lem in (x.lower().replace("ё", "е") for x in lemmas) if lem in index)


def scene_mood(lemmas: list[str], lang: str, default: str = "calm") -> str:
    """The mood most of the words point to; ``default`` (the beat's own mood) when none or a tie with it."""
    votes = mood_votes(lemmas, lang)
    if not votes:
        return default
    best = max(votes.values())
    leaders = [m for m in MOODS if votes.get(m) == best]
    return default if default in leaders else leaders[0]


def story_mood(scene_moods: list[str]) -> str:
    """The mood of most scenes (earlier scenes win ties: they set the tone)."""
    if not scene_moods:
        return "calm"
    counts = Counter(scene_moods)
    best = max(counts.values())
    return next(m for m in scene_moods if counts[m] == best)
