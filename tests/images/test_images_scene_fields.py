"""The composer follows what the writer says about a scene: who, where, when — and nothing else."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from PIL import Image

from engine.images import Illustrator
from engine.images.backends.composer.composer import Composer
from engine.images.prompts import NEGATIVE, english_prompt, scene_prompt
from engine.progress import null_reporter
from engine.story import CastMember, Scene, Story


def fair_story() -> Story:
    cast = [
        CastMember("dragon", "дракон", "a young orange dragon with small wings", "dragon", True),
        CastMember("lena", "девочка Лена", "a girl with a blue dress and a straw hat", "girl"),
        CastMember("anna", "девочка Аня", "a girl with red pigtails", "girl"),
    ]
    scenes = [
        Scene(1, "На ярмарку прилетел голодный дракон.", characters=["dragon"], place_en="a village fair",
              time_of_day="day", action_en="a dragon lands at the fair"),
        Scene(2, "Он смотрел голодными глазами на пироги.", characters=["dragon"], place_en="a village fair",
              time_of_day="day", action_en="the dragon stares at the pies", tags_en=["pie"]),
        Scene(3, "Дракон пытался отнять у девочки еду.", characters=["dragon", "lena"],
              place_en="a village street", time_of_day="day", action_en="the dragon tries to take the girl's food",
              tags_en=["basket"]),
        Scene(4, "Ночью Лена и Аня смотрели на звёзды у моря.", characters=["lena", "anna"],
              place_en="a beach by the sea", time_of_day="night", action_en="two girls watch the stars"),
        Scene(5, "Дракон полетел над лесом.", characters=["dragon"], place_en="the sky over a forest",
              time_of_day="evening", action_en="the dragon flies over the forest"),
    ]  # fmt: skip
    return Story(prompt="дракон на ярмарке", lang="ru", genre="fairy_tale", seed=4, cast=cast, scenes=scenes)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, image_index):
    folder = tmp_path_factory.mktemp("fair")
    story = fair_story()
    Illustrator("composer").illustrate(story, folder, (320, 180), null_reporter("images"))
    return story, folder


def figures(scene: Scene) -> list[dict]:
    return [r for r in scene.image_matches if r["role"] in ("subject", "cast")]


def test_exactly_the_listed_characters_are_drawn(drawn):
    story, _ = drawn
    for scene in story.scenes:
        keys = [r["key"] for r in figures(scene)]
        listed = [k for k in keys if k in {m.key for m in story.cast}]
        assert sorted(listed) == sorted(scene.characters), scene.index  # each once, nobody else
        assert len(keys) <= len(scene.characters) + 1  # at most one prop beside them


def test_body_parts_and_whole_sentences_do_not_become_objects(drawn):
    story, _ = drawn
    hungry_eyes = story.scenes[1]
    assert all(r["en"] != "eye" and "eye" not in r.get("name", "") for r in hungry_eyes.image_matches)
    assert [r["key"] for r in figures(hungry_eyes)] == ["dragon", "pie"]  # the tag's pie, no eyeballs
    food = story.scenes[2]
    assert {"dragon", "lena"} <= {r["key"] for r in figures(food)}  # a dragon *and* the girl, not a bowl


def test_two_girls_are_told_apart_and_keep_their_drawings(drawn):
    story, _ = drawn
    lena = {r["asset"] for s in story.scenes for r in figures(s) if r["key"] == "lena"}
    anna = {r["asset"] for s in story.scenes for r in figures(s) if r["key"] == "anna"}
    assert len(lena) == 1 and len(anna) == 1 and lena != anna


def test_place_and_time_come_from_the_fields(drawn, image_index):
    story, folder = drawn
    plans = Composer(story, folder, image_index).plan()
    assert plans[3].setting.place == "sea" and plans[3].setting.time == "night"
    assert plans[4].setting.time == "evening"
    assert plans[0].setting.place == "village"


def test_flying_only_when_the_scene_says_so(drawn, image_index):
    story, folder = drawn
    plans = Composer(story, folder, image_index).plan()
    assert plans[2].airborne == set()  # taking the girl's food: on the ground beside her
    assert plans[4].airborne == {"dragon"}


def test_neighbours_differ_in_framing_and_pixels(drawn, image_index):
    story, folder = drawn
    composer = Composer(story, folder, image_index)
    framings = [composer.framing(s.index) for s in story.scenes]
    assert all(a != b for a, b in pairwise(framings))
    for a, b in pairwise(story.scenes):
        x = np.asarray(Image.open(folder / a.image).convert("RGB"), np.int16)
        y = np.asarray(Image.open(folder / b.image).convert("RGB"), np.int16)
        assert np.abs(x - y).mean() > 8


def test_keyword_path_never_draws_body_parts(make_story, tmp_path, image_index):
    story = make_story(["Волк смотрел голодными глазами, и сердце его стучало.", "Hungry eyes in the dark."])
    Illustrator("composer").illustrate(story, tmp_path, (160, 90), null_reporter("images"))
    drawn = {r["en"] for s in story.scenes for r in s.image_matches}
    assert not drawn & {"eye", "eyes", "heart"}
    assert "wolf" in drawn


def test_prompt_from_cast_and_fields():
    story = fair_story()
    text = english_prompt(story, story.scenes[2])
    assert text.startswith("the dragon tries to take the girl's food. ")
    assert "a young orange dragon with small wings and a girl with a blue dress and a straw hat" in text
    assert "a village street in daylight" in text and "basket" in text
    assert text.endswith(
        "children's storybook illustration, soft watercolour, warm light, clean simple shapes"
    )
    story.style_en = "flat paper cut-out"
    assert english_prompt(story, story.scenes[0]).endswith("flat paper cut-out")
    p = scene_prompt(story, story.scenes[0], russian=True, attempt=1)
    assert p.text.startswith("На ярмарку прилетел голодный дракон.") and p.negative == NEGATIVE
    assert p.seed == story.seed + 1 + 1_000_003


def test_prompt_without_fields_uses_the_pos_filter_words():
    story = Story(
        prompt="кот", lang="ru", genre="fable", scenes=[Scene(1, "Кот спал.", image_prompt="кот сон")]
    )
    assert english_prompt(story, story.scenes[0]).startswith("кот, сон. ")
    story.scenes[0].keywords_en = ["cat", "bed"]
    assert english_prompt(story, story.scenes[0]).startswith("cat, bed. ")


def test_a_generic_kind_takes_the_drawing_from_the_look(image_index):
    from engine.images.backends.composer.cast import Cast
    from engine.images.backends.composer.planner import Planner

    planner = Planner(image_index, Cast())
    eagle = planner._cast_match(CastMember("eagle", "Орёл", "an eagle with wide wings", "bird"))
    assert eagle is not None and eagle.en == "eagle"  # not a generic bird, not a floating wing
    santa = planner._cast_match(CastMember("frost", "Дед Мороз", "Father Frost in a red fur coat", "santa"))
    assert santa is not None and "santa" in image_index.info(santa.asset_id)["name"].lower()
