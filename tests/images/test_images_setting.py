"""Place, time of day, weather and season from a scene's words."""

from __future__ import annotations

import pytest

from engine.images.backends.composer.setting import Setting, detect
from engine.images.backends.composer.words import lemmas


@pytest.mark.parametrize(
    ("text", "place", "time", "weather", "season"),
    [
        ("Ночью в тёмном лесу выла метель.", "forest", "night", "snow", "winter"),
        ("Утром корабль вышел в открытое море.", "sea", "morning", "clear", "summer"),
        ("Вечером над горами собралась гроза.", "mountains", "evening", "storm", "summer"),
        ("Осенью в деревне шёл дождь.", "village", "day", "rain", "autumn"),
        ("The rocket flew through space past a planet.", "space", "night", "clear", "summer"),
        ("At dawn the fog covered the castle.", "castle", "morning", "fog", "summer"),
        ("В пустыне было жарко и сухо.", "desert", "day", "clear", "summer"),
        ("Мальчик сидел в своей комнате у окна.", "room", "day", "clear", "summer"),
    ],
)
def test_detect(text, place, time, weather, season):
    s = detect(lemmas(text))
    assert (s.place, s.time, s.weather, s.season) == (place, time, weather, season)


def test_unsaid_things_are_inherited_but_weather_passes():
    first = detect(lemmas("Зимней ночью в лесу шёл снег."))
    second = detect(lemmas("Дракон проснулся и зевнул."), first)
    assert (second.place, second.time, second.season) == ("forest", "night", "winter")
    assert second.weather == "clear"
    assert second.place_word == ""


def test_default_is_a_summer_day_in_a_field():
    assert detect([]) == Setting()
