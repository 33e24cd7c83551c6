"""Where and when a scene happens, read from its (lemmatised) words.

A picture needs a place, a time of day, weather and a season before any character is drawn. Each is
picked by vocabulary: Russian lemmas and English words (including the adjectives stories use —
"лесной", "ночной", "snowy") vote for one value. What a scene does not say is inherited from the
previous scene (a story that starts "one night in the forest" stays in the night forest until the
text moves on), except weather, which passes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


def _w(text: str) -> tuple[str, ...]:
    """A word list written as prose; "_" joins a multi-word phrase ("новый_год")."""
    return tuple(w.replace("_", " ") for w in text.split())


SETTINGS: dict[str, tuple[str, ...]] = {
    "forest": _w(
        """
        лес лесной чаща роща бор тайга опушка поляна дебри джунгли forest wood woods grove
        jungle glade clearing thicket
        """
    ),
    "sea": _w(
        """
        море морской океан волна берег пляж залив бухта корабль парус остров порт пристань sea
        ocean wave shore beach coast bay island harbour harbor ship sail port
        """
    ),
    "underwater": _w(
        """
        дно подводный глубина underwater seabed reef риф
        """
    ),
    "lake": _w(
        """
        озеро река пруд ручей речка болото lake river pond stream brook swamp marsh
        """
    ),
    "mountains": _w(
        """
        гора горный скала вершина ущелье утес перевал пещера вулкан mountain mountains peak
        cliff rock summit cave valley volcano
        """
    ),
    "city": _w(
        """
        город городской улица площадь столица проспект небоскреб метро магазин city town street
        square avenue skyscraper shop market
        """
    ),
    "castle": _w(
        """
        замок дворец крепость королевство царство башня трон castle palace kingdom fortress
        tower throne
        """
    ),
    "room": _w(
        """
        комната кухня спальня квартира кровать печь печка библиотека класс зал room kitchen bedroom
        library hall classroom bed fireplace indoors indoor inside home bakery nursery attic
        """
    ),
    "space": _w(
        """
        космос космический планета звездолет ракета галактика орбита марс space planet
        spaceship rocket galaxy orbit mars cosmos
        """
    ),
    "desert": _w(
        """
        пустыня песок бархан оазис desert sand dune oasis
        """
    ),
    "village": _w(
        """
        деревня село деревенский двор ферма огород сарай хутор village farm yard barn
        countryside
        """
    ),
    "field": _w(
        """
        поле луг степь равнина сад парк field meadow steppe plain garden park
        """
    ),
    "snowland": _w(
        """
        север льдина ледник арктика антарктида arctic glacier north
        """
    ),
}

TIMES: dict[str, tuple[str, ...]] = {
    "night": _w(
        """
        ночь ночной ночью полночь тьма темнота звезда луна месяц сон night midnight dark
        darkness moon stars star moonlight nighttime
        """
    ),
    "evening": _w(
        """
        вечер вечерний вечером закат сумерки evening sunset dusk twilight
        """
    ),
    "morning": _w(
        """
        утро утренний утром рассвет заря восход morning dawn sunrise daybreak
        """
    ),
    "day": _w(
        """
        день днем полдень солнце солнечный day noon sun sunny daylight
        """
    ),
}

WEATHER: dict[str, tuple[str, ...]] = {
    "storm": _w(
        """
        гроза буря шторм молния гром ураган грозовой storm stormy thunder lightning hurricane tempest
        thunderstorm
        """
    ),
    "rain": _w(
        """
        дождь ливень дождливый лужа rain rainy raining rained shower puddle drizzle
        """
    ),
    "snow": _w(
        """
        снег снежный снежинка метель вьюга сугроб snow snowy snowing snowed snowflake blizzard
        snowstorm
        """
    ),
    "fog": _w(
        """
        туман туманный мгла fog foggy mist misty haze
        """
    ),
    "cloudy": _w(
        """
        облако туча пасмурный облачный cloud clouds cloudy overcast
        """
    ),
    "wind": _w(
        """
        ветер ветреный wind windy breeze
        """
    ),
}

SEASONS: dict[str, tuple[str, ...]] = {
    "winter": _w(
        """
        зима зимний зимой мороз снег сугроб лед новый_год елка winter frost frosty ice icy
        christmas
        """
    ),
    "autumn": _w(
        """
        осень осенний осенью листопад урожай autumn fall harvest
        """
    ),
    "spring": _w(
        """
        весна весенний весной капель подснежник spring blossom
        """
    ),
    "summer": _w(
        """
        лето летний летом жара summer heat
        """
    ),
}


def _invert(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, words in table.items():
        for w in words:
            out.setdefault(w, value)
    return out


_SETTING_OF = _invert(SETTINGS)
_TIME_OF = _invert(TIMES)
_WEATHER_OF = _invert(WEATHER)
_SEASON_OF = _invert(SEASONS)


@dataclass(frozen=True)
class Setting:
    place: str = "field"
    time: str = "day"
    weather: str = "clear"
    season: str = "summer"
    place_word: str = ""  # the word that chose the place ("" = inherited or default)


def _vote(words: list[str], table: dict[str, str]) -> tuple[str, str] | None:
    """The value named most often; ties go to the one named first (scene keywords come first)."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, str]] = {}
    for i, w in enumerate(words):
        value = table.get(w)
        if value is None:
            continue
        counts[value] = counts.get(value, 0) + 1
        first.setdefault(value, (i, w))
    if not counts:
        return None
    best = max(counts, key=lambda v: (counts[v], -first[v][0]))
    return best, first[best][1]


def detect(words: list[str], previous: Setting | None = None) -> Setting:
    """The setting of a scene from its lemmas (most important first), inheriting from ``previous``."""
    base = previous or Setting()
    if base.place == "underwater":
        base = replace(base, place="sea")  # a scene surfaces unless it says it is still underwater
    place = _vote(words, _SETTING_OF)
    time = _vote(words, _TIME_OF)
    weather = _vote(words, _WEATHER_OF)
    season = _vote(words, _SEASON_OF)
    result = replace(
        base,
        place=place[0] if place else base.place,
        place_word=place[1] if place else "",
        time=time[0] if time else base.time,
        weather=weather[0] if weather else "clear",
        season=season[0] if season else base.season,
    )
    if result.weather == "snow" and not season:
        result = replace(result, season="winter")
    if result.place == "underwater":
        result = replace(result, weather="clear")
    if result.place == "space":
        result = replace(result, time="night", weather="clear")
    return result
