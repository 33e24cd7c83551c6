"""The composer: exact sizes, a stable cast, varied neighbours, honest matches, hostile text."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from engine.images import illustrate
from engine.progress import null_reporter
from engine.story import ASPECTS

DRAGON_STORY = [
    "Жил-был в тёмном лесу старый дракон.",
    "Однажды к дракону пришла девочка Маша.",
    "Маша и дракон полетели к морю.",
    "У моря дракон встретил кота.",
    "Кот и дракон вернулись в замок короля.",
]


def _pixels(folder, scene):
    return np.asarray(Image.open(folder / scene.image).convert("RGB"), np.int16)


@pytest.fixture(scope="module")
def dragon_story(make_story, tmp_path_factory, image_index):
    folder = tmp_path_factory.mktemp("dragon")
    story = make_story(DRAGON_STORY, prompt="дракон и Маша", seed=3)
    illustrate(story, folder, (320, 180), null_reporter("images"), "composer")
    return story, folder


def test_every_scene_has_an_image_and_matches(dragon_story):
    story, folder = dragon_story
    assert story.backends["images"] == "composer"
    for scene in story.scenes:
        assert scene.image == f"images/scene_{scene.index:02d}.png"
        assert (folder / scene.image).is_file()
        assert scene.image_matches, scene.text
        assert scene.keywords_en
        for row in scene.image_matches:
            assert {"word", "lemma", "asset", "source", "role"} <= row.keys()
            assert row["role"] in ("subject", "background", "cast")
    assert any("OpenMoji" in note and "CC BY-SA 4.0" in note for note in story.notes)


def test_same_character_same_drawing_across_scenes(dragon_story):
    story, folder = dragon_story
    dragons = {row["asset"] for s in story.scenes for row in s.image_matches if row["lemma"] == "дракон"}
    assert len(dragons) == 1
    scenes_with_dragon = [s for s in story.scenes if any(r["lemma"] == "дракон" for r in s.image_matches)]
    assert len(scenes_with_dragon) == 5
    # "девочка" in a story about Маша is Маша
    girls = {r["asset"] for s in story.scenes for r in s.image_matches if r["lemma"] in ("маша", "девочка")}
    assert len(girls) == 1
    cast = json.loads((folder / "images" / "cast.json").read_text(encoding="utf-8"))
    assert cast["dragon"]["asset_id"] in dragons


def test_scene_subjects_are_the_named_ones(dragon_story):
    story, _ = dragon_story
    subjects = [{r["en"] for r in s.image_matches if r["role"] == "subject"} for s in story.scenes]
    assert "dragon" in subjects[0]
    assert {"cat", "dragon"} <= subjects[3]
    assert "king" in subjects[4]
    places = [{r["en"] for r in s.image_matches if r["role"] == "background"} for s in story.scenes]
    assert "forest" in places[0] and "sea" in places[2] and "castle" in places[4]


def test_consecutive_scenes_differ(dragon_story):
    story, folder = dragon_story
    for a, b in zip(story.scenes, story.scenes[1:], strict=False):
        diff = np.abs(_pixels(folder, a) - _pixels(folder, b)).mean()
        assert diff > 8, (a.index, b.index, diff)


def test_redrawing_keeps_the_cast(make_story, dragon_story, image_index):
    story, folder = dragon_story
    before = [[r["asset"] for r in s.image_matches] for s in story.scenes]
    again = make_story(DRAGON_STORY, prompt="дракон и Маша", seed=3)
    illustrate(again, folder, (320, 180), null_reporter("images"), "composer")
    assert [[r["asset"] for r in s.image_matches] for s in again.scenes] == before


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_exact_size_for_every_aspect(make_story, tmp_path, image_index, aspect):
    size = ASPECTS[aspect]
    story = make_story(["Принцесса гуляла в саду с собакой.", "Ночью над городом летала сова."], seed=5)
    illustrate(story, tmp_path, size, null_reporter("images"), "composer")
    for scene in story.scenes:
        with Image.open(tmp_path / scene.image) as img:
            assert img.size == size
            assert img.mode == "RGB"


HOSTILE = [
    "../../etc/passwd и кот",
    "C:\\Windows\\system32\\ \\\\server\\share дракон",
    '\'; rm -rf / #  "$(reboot)" `ls` собака',
    "🐉🔥👑 <b>король</b> &amp; %s {0} \x00",
    "",
]


def test_hostile_words_are_harmless(make_story, tmp_path, image_index):
    story = make_story(HOSTILE, prompt="../../etc/passwd", seed=9)
    story.scenes[0].keywords = ["../../etc/passwd", "/etc/shadow", "кот"]
    story.scenes[1].image_prompt = "..\\..\\boot.ini дракон"
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["images/cast.json"] + [f"images/scene_{i:02d}.png" for i in range(1, 6)]
    for scene in story.scenes:
        for row in scene.image_matches:
            assert ".." not in row["path"] and not row["path"].startswith("/")
    assert {r["en"] for r in story.scenes[0].image_matches} >= {"cat"}
    assert {r["en"] for r in story.scenes[2].image_matches} >= {"dog"}


def test_tampered_cast_file_cannot_point_outside_the_index(make_story, tmp_path, image_index):
    (tmp_path / "images").mkdir()
    evil = {
        "cat": {"key": "cat", "asset_id": "../../etc/passwd", "flip": False, "kind": "creature", "size": 1}
    }
    (tmp_path / "images" / "cast.json").write_text(json.dumps(evil), encoding="utf-8")
    story = make_story(["Кот спал."])
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    assert story.scenes[0].image_matches[0]["name"] == "cat"


def test_english_story(make_story, tmp_path, image_index):
    story = make_story(
        ["Once upon a time a brave knight rode to the mountains.", "There he met a dragon and two wolves."],
        lang="en",
    )
    illustrate(story, tmp_path, (320, 180), null_reporter("images"), "composer")
    first, second = ({r["en"] for r in s.image_matches} for s in story.scenes)
    assert "knight" in first and "mountains" in first
    assert {"dragon", "wolf"} <= second


def test_a_drawing_that_fails_is_left_out_not_claimed(make_story, tmp_path, image_index, monkeypatch):
    from engine.images.backends.composer import painter

    real = painter.paste

    def flaky(canvas, asset, *args, **kwargs):
        if image_index.assets.get(asset, {}).get("name") == "cat":
            raise ValueError("broken SVG")
        return real(canvas, asset, *args, **kwargs)

    monkeypatch.setattr(painter, "paste", flaky)
    story = make_story(["Кот и собака гуляли."])
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    shown = {r["en"] for r in story.scenes[0].image_matches}
    assert "dog" in shown and "cat" not in shown
    assert (tmp_path / story.scenes[0].image).is_file()


def test_all_the_animals_are_the_storys_own(make_story, tmp_path, image_index):
    story = make_story(["Кот спал.", "Пёс лаял.", "Утром все звери собрались на поляне."], seed=2)
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    group = {r["en"] for r in story.scenes[2].image_matches if r["lemma"] == "зверь"}
    assert group == {"cat", "dog"}


def test_weather_in_english_verbs(make_story, tmp_path, image_index):
    story = make_story(["It was raining in the city."], lang="en")
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    assert "rain" in story.scenes[0].keywords_en and "city" in story.scenes[0].keywords_en


def test_names_and_two_word_names(make_story, tmp_path, image_index):
    story = make_story(
        [
            "A young girl named Amira rode a camel.",
            "Amira saw a black cat.",
            "Ночью пришёл Дед Мороз.",
            "В горах жил дракон по имени Искра.",
            "Искра полетел домой.",
        ],
        lang="en",
        seed=4,
    )
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    rows = [{r["word"]: r for r in s.image_matches} for s in story.scenes]
    assert rows[1]["Amira"]["asset"] == rows[0]["girl"]["asset"]  # the name is the girl
    assert rows[1]["black cat"]["name"] == "black cat"
    assert rows[2]["Дед Мороз"]["name"] == "Santa Claus"
    assert "Искра" not in rows[3]  # a dragon's name is not drawn as sparkles
    assert rows[4]["Искра"]["asset"] == rows[3]["дракон"]["asset"]


def test_emoji_in_the_text_are_drawn_as_the_same_characters(make_story, tmp_path, image_index):
    story = make_story(["Жил-был 🐉 в 🏰.", "Дракон улетел."], seed=6)
    illustrate(story, tmp_path, (256, 144), null_reporter("images"), "composer")
    first = {r["name"]: r for r in story.scenes[0].image_matches}
    assert {"dragon", "castle"} <= first.keys()
    second = [r for r in story.scenes[1].image_matches if r["lemma"] == "дракон"]
    assert second and second[0]["asset"] == first["dragon"]["asset"]
