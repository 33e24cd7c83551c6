"""Plan parsing: whatever the model answers, the writer gets a plan of exactly n scenes it can use."""

from __future__ import annotations

import json

from engine.text.plan import CastPlan, beat_sequence, extract_json, parse_plan, plan_schema, scene_keys

HERO = CastPlan("hero", "дракон")


def _plan(n: int, **over) -> dict:
    data = {
        "title": "The Brave Little Dragon",
        "cast": [
            {
                "key": "dragon",
                "name": "Spark",
                "kind_en": "dragon",
                "look_en": "a small green dragon, red scarf",
            },
            {"key": "owl", "name": "Hoot", "kind_en": "owl", "look_en": "a grey owl with round glasses"},
        ],
        "want": "to be brave",
        "problem": "the night is dark",
        "attempts": "a candle, a torch",
        "helper": "the owl",
        "turning_point": "he lights the stars",
        "ending": "he sleeps under the stars",
        "scenes": {
            k: {
                "characters": ["dragon", "owl"] if i % 2 else ["dragon"],
                "place_en": "a cave",
                "time_of_day": "night",
                "action_en": f"step {i}",
                "tags_en": ["cave", "stars"],
            }
            for i, k in enumerate(scene_keys(n))
        },
    }
    data.update(over)
    return data


def test_a_good_plan_is_read_whole():
    plan = parse_plan(json.dumps(_plan(6)), 6, HERO)
    assert plan.from_model and plan.title == "The Brave Little Dragon"
    assert [c.key for c in plan.cast] == ["dragon", "owl"] and plan.cast[1].look_en.startswith("a grey owl")
    assert [s.beat for s in plan.scenes] == beat_sequence(6)
    assert plan.scenes[1].characters == ["dragon", "owl"] and plan.scenes[0].time_of_day == "night"
    assert "Problem: the night is dark" in plan.outline()


def test_the_schema_names_every_scene_by_its_beat():
    schema = plan_schema(7)
    keys = schema["properties"]["scenes"]["required"]
    assert keys == scene_keys(7) and keys[0] == "1_setting" and keys[-1] == "7_ending"
    assert schema["properties"]["cast"]["minItems"] == 2


def test_json_inside_chatter_and_code_fences_is_found():
    text = 'Sure! Here is the plan:\n```json\n{"title": "A {curly} title", "cast": []}\n```\nEnjoy.'
    assert extract_json(text) == {"title": "A {curly} title", "cast": []}
    assert extract_json("no json here") is None
    assert extract_json('{"title": "cut off') is None
    assert extract_json('Here {oops] and {"a": 1}') == {"a": 1}  # not JSON: the next object


def test_malformed_json_falls_back_to_a_plain_plot():
    plan = parse_plan('{"title": "x", "cast": [', 5, HERO)
    assert not plan.from_model and len(plan.scenes) == 5
    assert plan.cast == [HERO] and all(s.characters == ["hero"] for s in plan.scenes)


def test_a_refusal_falls_back_too():
    plan = parse_plan("I'm sorry, but I can't help with that.", 4, HERO)
    assert not plan.from_model and [s.beat for s in plan.scenes] == beat_sequence(4)
    assert not parse_plan("{}", 4, HERO).from_model


def test_missing_fields_and_unknown_keys_get_safe_values():
    data = _plan(6)
    del data["title"], data["helper"]
    data["cast"] = [{"name": "Spark", "kind_en": "Dragon"}, {"key": "owl"}, "junk"]  # no key / no name
    data["scenes"] = {"1_setting": {"characters": ["ghost"], "time_of_day": "teatime"}, "2_problem": "junk"}
    plan = parse_plan(json.dumps(data), 6, HERO)
    assert plan.title == "" and plan.helper == ""
    assert [c.key for c in plan.cast] == ["dragon"]  # key from kind_en; the nameless owl is dropped
    assert len(plan.scenes) == 6
    assert plan.scenes[0].characters == ["dragon"]  # an unknown key becomes the hero
    assert plan.scenes[0].time_of_day == "" and plan.scenes[1].place_en == ""


def test_a_list_of_scenes_of_the_wrong_length_still_gives_n_scenes_ending_last():
    data = _plan(6)
    data["scenes"] = [{"action_en": f"a{i}"} for i in range(9)]
    plan = parse_plan(json.dumps(data), 6, HERO)
    assert len(plan.scenes) == 6 and plan.scenes[-1].action_en == "a8" and plan.scenes[-1].beat == "ending"
    data["scenes"] = [{"action_en": "only one"}]
    plan = parse_plan(json.dumps(data), 6, HERO)
    assert len(plan.scenes) == 6 and plan.scenes[0].action_en == "only one" and plan.scenes[3].action_en == ""


def test_beat_sequences_start_with_the_problem_and_end_with_the_ending():
    for n in range(1, 15):
        seq = beat_sequence(n)
        assert len(seq) == n and seq[-1] == "ending"
        if n >= 4:
            assert seq[:2] == ["setting", "problem"] and seq[-2] == "turning_point"


def test_the_schema_asks_only_for_what_cannot_be_derived_and_local_names_last():
    scene = plan_schema(6)["properties"]["scenes"]["properties"]["1_setting"]
    assert set(scene["required"]) == {"place_en", "time_of_day", "action_en"}
    assert "names_ru" not in plan_schema(6)["properties"]
    ru = plan_schema(6, "ru")
    assert list(ru["properties"])[-2:] == ["title_ru", "names_ru"]  # after every English field
    assert ru["required"][-2:] == ["title_ru", "names_ru"]


def test_who_is_there_and_what_to_draw_come_from_the_action():
    data = _plan(6)
    data["scenes"] = {
        k: {"place_en": "a snowy forest", "time_of_day": "night", "action_en": a}
        for k, a in zip(
            scene_keys(6),
            [
                "Spark hides in his cave",
                "Hoot the owl brings a golden lantern",
                "the owls sing to Spark",
                "a storm breaks the old bridge",
                "nobody is there",
                "Spark flies home",
            ],
            strict=True,
        )
    }
    plan = parse_plan(json.dumps(data), 6, HERO)
    assert plan.scenes[0].characters == ["dragon"]
    assert plan.scenes[1].characters == ["dragon", "owl"]  # by name; the hero is always there
    assert plan.scenes[2].characters == ["dragon", "owl"]  # by kind, plural
    assert "golden lantern" in plan.scenes[1].tags_en and "owl" not in " ".join(plan.scenes[1].tags_en)
    assert "bridge" in " ".join(plan.scenes[3].tags_en) and "forest" in " ".join(plan.scenes[3].tags_en)


def test_local_names_follow_the_cast_order_even_when_an_entry_is_dropped():
    data = _plan(6)
    data["cast"].insert(1, {"key": "dragon", "name": "Again"})  # a duplicate key is dropped
    data["title_ru"] = "«Храбрый дракон»"
    data["names_ru"] = ["Искра", "Опять", "Ух"]
    plan = parse_plan(json.dumps(data), 6, HERO)
    assert plan.title_local == "Храбрый дракон"
    assert [(c.key, c.name_local) for c in plan.cast] == [("dragon", "Искра"), ("owl", "Ух")]
    del data["names_ru"]
    assert [c.name_local for c in parse_plan(json.dumps(data), 6, HERO).cast] == ["", ""]


def test_a_plan_cut_off_by_its_token_limit_keeps_what_it_has():
    text = json.dumps(_plan(12))
    cut = text[: text.index('"9_')] + '"9_attempt": {"place_en": "a hi'  # the limit hit mid-scene
    plan = parse_plan(cut, 12, HERO)
    assert plan.from_model and [c.key for c in plan.cast] == ["dragon", "owl"]
    assert [s.action_en for s in plan.scenes[:8]] == [f"step {i}" for i in range(8)]
    assert plan.scenes[8].action_en == "" and len(plan.scenes) == 12 and plan.scenes[-1].beat == "ending"


def test_a_long_story_gets_a_varied_middle():
    assert beat_sequence(8) == [
        "setting",
        "problem",
        "attempt",
        "helper",
        "attempt",
        "twist",
        "turning_point",
        "ending",
    ]
    beats = beat_sequence(12)
    middle = beats[2:-2]
    assert len(set(middle)) >= 6 and max(middle.count(b) for b in middle) <= 2
    from engine.text.chat_writer import BEAT_GOALS, BEAT_GOALS_RU
    from engine.text.plan import BEATS
    from engine.text.writer import BEAT_MOODS

    assert set(BEATS) == set(BEAT_GOALS) == set(BEAT_GOALS_RU) == set(BEAT_MOODS)
