"""The instruction-model writer with a fake chat model: plan, scenes, filters, regeneration, length."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from engine.errors import PromptError
from engine.progress import null_reporter
from engine.story import StoryRequest
from engine.text.plan import scene_keys
from engine.text.writer import StoryWriter, scene_count, target_chars

SUBJECTS = ["Дракон", "Маленький дракон", "Он", "Мудрая сова", "Старый ёжик", "Весёлый заяц"]
VERBS = ["зажёг", "нашёл", "увидел", "принёс", "спрятал", "починил", "раскрасил", "поднял"]
OBJECTS = [
    "тёплый фонарик",
    "старую лампу",
    "синюю звезду",
    "большой камень",
    "новую корзину",
    "жёлтую свечу",
]
PLACES = [
    "у тихой реки",
    "в тёмной пещере",
    "на высокой горе",
    "под старым дубом",
    "возле дома",
    "в густом лесу",
]
ENDINGS = ["и улыбнулся", "и запел песню", "и позвал друзей", "и долго смотрел вокруг", "и стало светло"]


def russian_sentences():
    """Distinct, dictionary-clean Russian sentences of about 60-80 characters, in a fixed random order."""
    import random

    combos = list(itertools.product(SUBJECTS, VERBS, OBJECTS, PLACES, ENDINGS))
    random.Random(0).shuffle(combos)
    for s, v, o, p, e in combos:
        yield f"{s} {v} {o} {p}, {e}."


def asked_sentences(request: str) -> int:
    m = re.search(r"(?:Write|Напиши|with) (\d+)", request)
    return int(m.group(1)) if m else 2


def plan_json(n: int, hero: str = "Spark") -> str:
    return json.dumps(
        {
            "title": "Brave Spark",
            "cast": [
                {"key": "dragon", "name": hero, "kind_en": "dragon", "look_en": "a small green dragon"},
                {"key": "owl", "name": "Hoot", "kind_en": "owl", "look_en": "a grey owl"},
            ],
            "want": "to stop fearing the dark",
            "problem": "night comes",
            "attempts": "a candle",
            "helper": "the owl",
            "turning_point": "he lights a lantern",
            "ending": "he loves the stars",
            "scenes": {
                k: {
                    "characters": ["dragon", "owl"],
                    "place_en": "a dark cave",
                    "time_of_day": "night",
                    "action_en": ACTIONS[i % len(ACTIONS)],
                    "tags_en": ["cave", "lantern"],
                }
                for i, k in enumerate(scene_keys(n))
            },
        }
    )


def fluent(pool=None):
    pool = pool or russian_sentences()

    def scene(request: str, call: int) -> str:
        return " ".join(next(pool) for _ in range(asked_sentences(request)))

    return scene


ACTIONS = [
    "the dragon hides from the night",
    "darkness falls over the cave",
    "a candle goes out in the wind",
    "an owl offers wise advice",
    "they climb a hill together",
    "a lantern starts glowing",
    "fireflies circle above",
    "stars appear over the valley",
    "everyone sings softly",
    "snow falls quietly",
    "a rabbit brings berries",
    "morning light comes",
    "the river sparkles brightly",
    "friends wave goodbye",
]
NAMES = '{"title_ru": "Храбрый дракон", "names_ru": ["дракон Искра", "сова"]}'


def bare_writer(fake_chat, lang: str, opening: str, hero: str):
    """A ChatStoryWriter on a silent fake, for testing its pieces one by one."""
    from engine.text.chat_writer import ChatStoryWriter
    from engine.text.plan import CastPlan

    return ChatStoryWriter(
        fake_chat("{}", fluent()),
        prompt="p",
        lang=lang,
        genre="fairy_tale",
        opening=[opening],
        hero=CastPlan("hero", hero),
        n_scenes=4,
        target_chars=500,
        seed=1,
    )


def write(fake, prompt="Жил-был маленький дракон, который боялся темноты.", **kw):
    request = StoryRequest(prompt, seed=5, **kw)
    return StoryWriter(backend=fake).write(request, null_reporter(), chars_per_second=13.0)


def test_story_keeps_the_opening_and_fills_every_scene_field(fake_chat):
    fake = fake_chat(
        lambda schema: plan_json(len(schema["properties"]["scenes"]["required"])), fluent(), NAMES
    )
    story = write(fake)
    assert story.text.startswith("Жил-был маленький дракон, который боялся темноты.")
    assert story.backends["text"] == "fake-chat" and story.title == "Храбрый дракон"
    assert [c.key for c in story.cast] == ["dragon", "owl"] and story.cast[0].hero
    assert story.cast[0].name == "дракон Искра" and story.cast[1].look_en == "a grey owl"
    assert len(story.scenes) == scene_count(75) and story.style_en
    for scene in story.scenes:
        assert scene.characters == ["dragon", "owl"] and scene.place_en == "a dark cave"
        assert scene.time_of_day == "night" and scene.action_en and scene.tags_en == ["cave", "lantern"]
        assert scene.image_prompt and scene.keywords  # the POS filter still runs
    assert not story.notes


@pytest.mark.parametrize("duration", [30, 75, 150, 300])
def test_length_lands_within_15_percent(fake_chat, duration):
    fake = fake_chat(
        lambda schema: plan_json(len(schema["properties"]["scenes"]["required"])), fluent(), NAMES
    )
    story = write(fake, duration=duration)
    target = target_chars(duration, "ru", 13.0)
    assert abs(len(story.text) - target) <= 0.15 * target, (len(story.text), target)
    assert len(story.scenes) == scene_count(duration)


def test_a_model_that_writes_too_much_is_cut_back(fake_chat):
    pool = russian_sentences()
    fake = fake_chat(
        lambda s: plan_json(len(s["properties"]["scenes"]["required"])),
        lambda r, c: " ".join(next(pool) for _ in range(8)),
        NAMES,
    )
    story = write(fake, duration=40)
    target = target_chars(40, "ru", 13.0)
    assert len(story.text) <= 1.15 * target


def test_a_short_scene_is_asked_to_go_on(fake_chat):
    pool = russian_sentences()
    fake = fake_chat(
        lambda s: plan_json(len(s["properties"]["scenes"]["required"])), lambda r, c: next(pool), NAMES
    )
    story = write(fake, duration=60)
    requests = [c["messages"][-1]["content"] for c in fake.calls if c["schema"] is None]
    assert any(r.startswith(("Continue this scene", "Продолжи эту сцену")) for r in requests)
    assert len(story.text) >= 0.7 * target_chars(60, "ru", 13.0)


def test_bad_sentences_are_regenerated_and_never_shipped(fake_chat):
    pool = russian_sentences()
    bad = ["Дракон остался наединечь с другом.", "Дракон полетел wayward домой.", "Дракон пошёл 回家."]

    def scene(request: str, call: int) -> str:
        good = " ".join(next(pool) for _ in range(asked_sentences(request)))
        return f"{bad[call % 3]} {good}" if call % 2 else good  # every other answer has a bad sentence

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake)
    assert "наединечь" not in story.text and "wayward" not in story.text and "回家" not in story.text
    seeds = [c["seed"] for c in fake.calls if c["schema"] is None]
    assert len(seeds) == len(set(seeds))  # each candidate is a new sample


def test_a_model_that_refuses_to_plan_still_gets_a_story(fake_chat):
    fake = fake_chat("I'm sorry, I cannot do that.", fluent(), NAMES)
    story = write(fake)
    assert len(story.scenes) == scene_count(75)
    assert any("plan was unusable" in n for n in story.notes)
    assert "дракон" in story.cast[0].name and story.cast[0].hero


def test_a_renamed_hero_is_brought_back(fake_chat):
    names = (
        '{"title_ru": "Змейка", "names_ru": ["змейка", "сова"]}'  # the model turned the dragon into a snake
    )
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), names)
    story = write(fake)
    assert "дракон" in story.cast[0].name and "змейка" not in story.cast[0].name


def test_scenes_extend_one_conversation_so_the_prompt_cache_is_reused(fake_chat):
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), NAMES)
    write(fake)
    convos = [c["messages"] for c in fake.calls if c["schema"] is None]
    for earlier, later in itertools.pairwise(convos):
        if len(later) > len(earlier):
            assert later[: len(earlier) - 1] == earlier[:-1]  # the same turns, then the new ones


def test_instructions_echoed_by_the_model_are_dropped(fake_chat):
    pool = russian_sentences()

    def scene(request, call):
        return (
            " ".join(next(pool) for _ in range(asked_sentences(request)))
            + " Это конец сказки: заверши её тепло."
        )

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake)
    assert "заверши" not in story.text


def test_moderation_refuses_before_any_model_call(fake_chat):
    fake = fake_chat(plan_json(6), fluent(), NAMES)
    with pytest.raises(PromptError):
        write(fake, prompt="Кровавая резня в деревне")
    assert fake.calls == []


def test_english_story(fake_chat):
    sentences = (
        f"The {a} dragon {v} a {o} near the {p}."
        for a, v, o, p in itertools.product(
            ["small", "brave", "sleepy", "happy", "green"],
            ["found", "carried", "painted", "lifted", "hid"],
            ["lantern", "basket", "stone", "candle", "blanket"],
            ["river", "cave", "hill", "bakery", "village", "forest"],
        )
    )
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(sentences))
    story = write(fake, prompt="A shy dragon opens a bakery in a small mountain village.")
    assert story.lang == "en" and story.title == "Brave Spark" and story.cast[0].name == "Spark"
    assert story.text.startswith("A shy dragon opens a bakery")


def test_the_coding_assistant_never_speaks_in_the_story(fake_chat):
    pool = russian_sentences()

    def scene(request, call):
        good = " ".join(next(pool) for _ in range(asked_sentences(request)))
        return "Помогите мне настроить свой компьютер. Я не могу помочь с этим. " + good

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake)
    assert "компьютер" not in story.text and "помочь с этим" not in story.text


def test_screenplay_lines_become_prose_and_system_prompt_echoes_go(fake_chat):
    writer = bare_writer(fake_chat, "en", "A girl walked.", "the girl")
    assert writer.clean_answer('Lucy: "Look at the path!" Max: "Let us go."') == [
        'Lucy said, "Look at the path!"',
        'Max said, "Let us go."',
    ]
    writer.lang = "ru"
    answer = writer.clean_answer('Лили проснулась. Дракон: "О, Лили! Я здесь!" Майкл Джонсон: "Я помогу."')
    assert (
        " ".join(answer)
        == "Лили проснулась. Дракон говорит: «О, Лили! Я здесь!» Майкл Джонсон говорит: «Я помогу.»"
    )
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), NAMES)
    pool = russian_sentences()
    fake._scene = lambda r, c: (
        "Пиши только по-русски, простыми правильными словами. "
        + " ".join(next(pool) for _ in range(asked_sentences(r)))
    )
    assert "по-русски" not in write(fake).text


def test_an_empty_first_draft_is_rewritten_on_the_plain_plot(fake_chat):
    pool = russian_sentences()

    plain = {"on": False}

    def scene(request, call):
        plain["on"] = plain["on"] or "Plot:\n\n" in request  # the plain plot has no outline
        if not plain["on"]:
            return "Dragon went home wayward."  # everything the model's plan leads to is rejected
        return " ".join(next(pool) for _ in range(asked_sentences(request)))

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake)
    assert any("rewritten on a plain plot" in n for n in story.notes)
    assert len(story.text) >= 0.6 * target_chars(75, "ru", 13.0)


def test_a_model_that_writes_nothing_usable_is_a_clear_stage_error(fake_chat):
    from engine.errors import StageError

    fake = fake_chat(plan_json(6), lambda r, c: "Dragon went home wayward.", NAMES)
    with pytest.raises(StageError, match="almost no usable sentences"):
        write(fake)


def test_warming_the_writer_runs_one_token_through_the_model(fake_chat):
    """A worker warms its writer at start (`--warm text`): one tiny call per story language (the
    backend builds its other-script token list then, not during the first story), nothing written."""
    fake = fake_chat(plan_json(6), fluent(), NAMES)
    StoryWriter(backend=fake).warm()
    assert [(c["max_tokens"], c["script"]) for c in fake.calls] == [(1, "ru"), (1, "en")]


def test_a_scene_that_vanishes_is_made_up_by_splitting_the_longest(fake_chat):
    """Every answer for one scene is rejected: the story still has as many scenes as planned."""
    pool = russian_sentences()

    def scene(request: str, call: int) -> str:
        if "3_attempt" in request or "сцена 3" in request.lower():
            return "Dragon went home wayward."
        return " ".join(next(pool) for _ in range(asked_sentences(request)))

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake)
    planned = len(
        next(c for c in fake.calls if c["schema"] is not None)["schema"]["properties"]["scenes"]["required"]
    )
    assert len(story.scenes) == planned
    assert "wayward" not in story.text


def test_the_plan_brings_the_russian_names_so_one_call_plans_everything(fake_chat):
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), NAMES)
    story = write(fake)
    assert sum(1 for c in fake.calls if c["schema"] is not None) == 1
    assert "names_ru" in fake.calls[0]["schema"]["properties"]
    assert story.title == "Храбрый дракон" and [c.name for c in story.cast] == ["дракон Искра", "сова"]


def test_a_continuation_that_only_repeats_is_sampled_once_more(fake_chat):
    pool = russian_sentences()
    first = next(pool)
    asked: list[str] = []

    def scene(request: str, call: int) -> str:
        asked.append(request)
        if request.startswith("Продолжи эту сцену") and asked.count(request) == 1:
            return first  # the story's own sentence again: rejected whole
        return next(pool)  # one sentence where several were asked: the scene comes out short

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    story = write(fake, duration=60)
    scene_calls = [c for c in fake.calls if c["schema"] is None]
    assert story.text.count(first) == 1
    assert any(asked.count(r) >= 2 for r in asked if r.startswith("Продолжи эту сцену"))
    assert len(scene_calls) > len(story.scenes)
    assert len(story.text) >= 0.7 * target_chars(60, "ru", 13.0)


def test_a_sentence_that_echoes_the_instruction_is_dropped(fake_chat):
    from engine.text.chat_writer import SceneText
    from engine.text.plan import ScenePlan

    writer = bare_writer(fake_chat, "ru", "Жил-был дракон.", "дракон")
    scene = SceneText(ScenePlan(beat="twist"))
    accepted, bad = writer.judge(
        ["Случается неожиданное, и это меняет дело.", "Дракон нашёл фонарик у реки."], scene
    )
    assert accepted == ["Дракон нашёл фонарик у реки."] and bad == 1
    assert scene.rejected[0][1] == "echoes the instruction"


def test_the_ask_grows_with_the_rejection_rate_within_a_cap(fake_chat):
    from engine.text.chat_writer import MAX_ASK, SENTENCE_CHARS

    writer = bare_writer(fake_chat, "ru", "Жил-был дракон.", "дракон")
    per = SENTENCE_CHARS["ru"]
    assert writer.sentences_for(4 * per) == 4  # nothing rejected yet
    writer.kept_chars, writer.rejected_chars = 600, 300  # a third rejected
    assert writer.sentences_for(4 * per) == 6
    writer.kept_chars, writer.rejected_chars = 100, 900
    assert writer.sentences_for(10 * per) == round(10 * MAX_ASK)


def test_actions_that_call_the_hero_by_a_stranger_name_give_the_hero_back(fake_chat):
    """A plan whose actions never name the hero but keep naming someone outside the cast ("Zoe
    sleeps…" with the dragon as hero) is about the hero: the Russian story must not get a "she"."""
    plan = json.loads(plan_json(scene_count(75)))
    for i, scene in enumerate(plan["scenes"].values()):
        scene["action_en"] = ["Zoe sleeps in her cozy bed", "Zoe wakes up and looks for the star"][i % 2]
    fake = fake_chat(lambda s: json.dumps(plan), fluent(), NAMES)
    write(fake)
    requests = [c["messages"][-1]["content"] for c in fake.calls if c["schema"] is None]
    assert requests and not any("Zoe" in r for r in requests)
    assert any("дракон Искра sleeps" in r for r in requests)  # the hero's Russian name in the direction


def test_a_stranger_beside_a_named_hero_is_left_alone(fake_chat):
    plan = json.loads(plan_json(scene_count(75)))
    for scene in plan["scenes"].values():
        scene["action_en"] = "Spark meets Zoe by the river"
    fake = fake_chat(lambda s: json.dumps(plan), fluent(), NAMES)
    write(fake)
    requests = [c["messages"][-1]["content"] for c in fake.calls if c["schema"] is None]
    assert any("Zoe" in r for r in requests)


def test_a_two_letter_russian_name_is_a_slip_and_the_kind_is_said_instead(fake_chat):
    names = '{"title_ru": "Храбрый дракон", "names_ru": ["дракон Искра", "Мя"]}'  # «Мя» for Mia
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), names)
    story = write(fake)
    assert [c.name for c in story.cast] == ["дракон Искра", "сова"]


def test_scenes_are_asked_in_the_story_script_and_the_plan_is_not(fake_chat):
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), NAMES)
    write(fake)
    assert {c["script"] for c in fake.calls if c["schema"] is None} == {"ru"}
    assert {c["script"] for c in fake.calls if c["schema"] is not None} == {None}  # the plan is English


def test_a_russian_name_with_a_verb_in_it_is_not_a_name(fake_chat):
    """The model once named the bear «Жил-был медведь»: the story said «Жил-былму медведю»."""
    names = '{"title_ru": "Зима", "names_ru": ["Жил-был дракон", "сова Ух"]}'
    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), fluent(), names)
    story = write(fake)
    assert [c.name for c in story.cast] == ["дракон", "сова Ух"]  # the prompt's hero


def test_the_model_saying_the_opening_is_already_written_is_dropped(fake_chat):
    pool = russian_sentences()

    def scene(request, call):
        return " ".join(next(pool) for _ in range(asked_sentences(request))) + " Конечно, это уже написано."

    fake = fake_chat(lambda s: plan_json(len(s["properties"]["scenes"]["required"])), scene, NAMES)
    assert "уже написано" not in write(fake).text
