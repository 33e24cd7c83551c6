"""The beat planner and sentence judge, driven by scripted fake models."""

import pytest

from engine.errors import StageError
from engine.progress import null_reporter
from engine.story import StoryRequest
from engine.text.beats import fill_cue
from engine.text.genres import beat_specs, choose_genre
from engine.text.judge import StoryContext, sentence_problem
from engine.text.premise import Hero
from engine.text.writer import scene_count, target_chars, write_story

DRAGON = Hero(name="дракон", lemma="дракон", gender="masc")


def _ctx(*sentences):
    ctx = StoryContext("ru", DRAGON)
    for s in sentences:
        ctx.add(s)
    return ctx


def test_judge_rejects_what_small_models_get_wrong():
    ctx = _ctx("Жил-был дракон, который боялся темноты.", "Каждый вечер дракон зажигал в пещере свечи.")
    assert sentence_problem("Каждый вечер дракон зажигал в пещере свечи!", ctx, first_in_beat=True) == (
        "repeats an earlier sentence"
    )
    made_up = "Сада-палец, надутый солью, кружил кряколапов в зюзюке."
    assert sentence_problem(made_up, ctx, first_in_beat=True) == "made-up words"
    assert sentence_problem("Солнце светило над полем.", ctx, first_in_beat=False) == "loses the hero"
    assert sentence_problem("Он светил над полем, как солнце.", ctx, first_in_beat=False) is None
    assert (
        sentence_problem("Сказка «Кот и пёс» начинается.", ctx, first_in_beat=True) == "starts another tale"
    )
    assert sentence_problem("Дракон пошёл к реке и", ctx, first_in_beat=True) == "unfinished"
    assert (
        sentence_problem("Дракон прочитал book about the sea.", ctx, first_in_beat=True) == "wrong language"
    )
    assert "new characters" in sentence_problem(
        "Дракон увидел, как Пётр и Мария пришли.", ctx, first_in_beat=True
    )
    assert (
        sentence_problem("Дракон увидел, как Пётр пришёл.", ctx, first_in_beat=True, allow_new_names=True)
        is None
    )
    assert sentence_problem("Дракон полетел к высокой горе над морем.", ctx, first_in_beat=True) is None


def test_judge_rejects_a_shorter_echo_of_an_earlier_sentence():
    ctx = StoryContext("en", Hero(name="Tom", lemma="tom", proper=True))
    ctx.add("On the way, Tom came across many more stars.")
    assert (
        sentence_problem("Tom saw many more stars.", ctx, first_in_beat=False)
        == "repeats an earlier sentence"
    )
    assert sentence_problem("Tom waved to the bright moon.", ctx, first_in_beat=False) is None


def test_judge_rejects_the_same_line_of_speech_twice():
    ctx = _ctx("Он пошёл к реке и сказал: «Звёздный ёжик, вы убогие птички!»")
    assert sentence_problem(
        "Потом дракон сказал ему: «Звёздный ёжик, вы убогие птички!»", ctx, first_in_beat=True
    ) == ("repeats an earlier line of speech")


def test_skipped_beats_keep_the_other_scene_boundaries():
    from engine.text.scenes import rebalance_groups

    groups = [["a1.", "a2."], ["b1."], ["c1.", "c2.", "c3 is longer."], ["d1."]]
    out, moods = rebalance_groups(groups, ["calm", "tense", "scary", "happy"], 5)
    assert out == [["a1.", "a2."], ["b1."], ["c1.", "c2."], ["c3 is longer."], ["d1."]]
    assert moods == ["calm", "tense", "scary", "scary", "happy"]
    out, moods = rebalance_groups(groups, ["calm", "tense", "scary", "happy"], 3)
    assert len(out) == 3 and [s for g in out for s in g] == [s for g in groups for s in g]


def test_judge_keeps_the_heros_gender_and_quotes_balanced():
    iskra = Hero(name="Искра", lemma="искра", gender="masc", proper=True, aliases={"дракон"})
    ctx = StoryContext("ru", iskra)
    assert sentence_problem("Каждый день Искра сидела на камне у реки.", ctx, first_in_beat=True) == (
        "the hero's verb has the wrong gender"
    )
    assert sentence_problem("Каждый день Искра сидел на камне у реки.", ctx, first_in_beat=True) is None
    assert sentence_problem("Искра услышал голос: «Иди сюда!", ctx, first_in_beat=True) == "unbalanced quotes"


def test_judge_stops_a_loop_on_one_odd_word():
    ctx = _ctx(
        "Дракон жил в своей маленькой комедии.",
        "Однажды дракон увидел комедию у реки.",
        "Тогда дракон пошёл в комедию за хлебом.",
        "Дракон долго сидел в комедии.",
        "Над рекой взошло солнце.",
    )
    assert sentence_problem("Потом дракон вырвался из комедии на волю.", ctx, first_in_beat=True) == (
        "harps on one word: комедия"
    )
    ctx.prompt_nouns.add("комедия")  # a word the user chose may recur
    assert sentence_problem("Потом дракон вырвался из комедии на волю.", ctx, first_in_beat=True) is None


def test_cues_name_the_hero_and_agree_in_gender():
    masha = Hero(name="Маша", lemma="маша", gender="femn", proper=True)
    assert fill_cue("Тогда {H} решил{a}", masha, "ru") == "Тогда Маша решила"
    assert fill_cue("{H} отправил{ся} в путь", masha, "ru") == "Маша отправилась в путь"
    assert fill_cue("{H} отправил{ся} в путь", DRAGON, "ru") == "Дракон отправился в путь"
    fox = Hero(name="the fox", lemma="fox")
    assert fill_cue("{H} lived in", fox, "en") == "The fox lived in"
    assert fill_cue("So {H} decided to", fox, "en") == "So the fox decided to"


def test_genre_plans_have_the_classic_shape():
    kinds = [b.kind for b in beat_specs("fairy_tale", 8)]
    assert kinds[1] == "problem" and "helper" in kinds and kinds[-2:] == ["climax", "ending"]
    assert [b.kind for b in beat_specs("fable", 7)][-1] == "moral"
    horror = beat_specs("horror", 6)
    assert any(b.mood == "scary" for b in horror)
    for n in range(1, 12):
        assert len(beat_specs("adventure", n)) == min(max(n, 1), 9)


def test_genre_is_chosen_from_prompt_words():
    assert choose_genre("auto", ["пират", "искать", "сокровище"]) == "adventure"
    assert choose_genre("auto", ["robot", "planet"]) == "scifi"
    assert choose_genre("auto", ["кот", "гулять"]) == "fairy_tale"
    assert choose_genre("auto", ["кот", "спать"]) == "bedtime"
    assert choose_genre("horror", ["кот"]) == "horror"


def test_length_targets():
    # sized by the narrator's reading rate, which the pipeline passes in: a slower voice, a shorter text
    assert target_chars(75, "ru", 17.4) == int(75 * 17.4)
    assert target_chars(75, "ru", 12.7) < target_chars(75, "ru", 17.4)
    assert 900 <= target_chars(75, "ru") <= 1300  # no rate given: the language's typical one
    assert scene_count(75) == 6 and scene_count(30) == 4 and scene_count(150) == 12 and scene_count(300) == 14


GOOD_RU = [
    " пошёл к синему озеру, где плавали белые утки.",
    " нашёл в траве маленький фонарь без огня.",
    " попросил у старой мельницы немного муки для пирога.",
    " построил из веток высокий шалаш у ручья.",
    " услышал, как в роще поёт соловей.",
    " зажёг фонарь, и над поляной стало светло.",
    " смело полетел над тёмным лесом к далёкой горе.",
    " больше никогда не прятался от ночи и ждал её с радостью.",
    " подружился с ночными светлячками.",
]


class BeatAwareFake:
    """For every beat: first a drift into nonsense, then a copy of the opening, then a good sentence."""

    name = "beat-aware-fake"

    def __init__(self):
        self.prompts = []
        self.calls_for = {}
        self.good = iter(GOOD_RU)

    def generate(self, prompt, *, max_tokens, seed, temperature=0.8, stop=("\n",)):
        self.prompts.append(prompt)
        if "называется" in prompt:
            return "Дракон и светлячок"
        last_paragraph = prompt.rsplit("\n", 1)[-1]
        if "." in last_paragraph.split("боялся темноты.")[-1]:  # asked to go on within a beat: end it
            return ""
        story_so_far = prompt.rsplit("\n", 1)[0]  # the same for every attempt at one beat
        n = self.calls_for.get(story_so_far, 0)
        self.calls_for[story_so_far] = n + 1
        if n == 0:  # a drift into another tale with made-up words
            return " Сада-палец, надутый солью, кружил кряколапов в зюзюке."
        if n == 1:  # repeats the opening
            return " Жил-был дракон, который боялся темноты."
        return next(self.good, "")


def test_story_keeps_the_opening_and_rejects_drift_and_repeats():
    fake = BeatAwareFake()
    story = write_story(StoryRequest("дракон, который боялся темноты", seed=3), null_reporter(), backend=fake)
    assert story.lang == "ru" and story.genre == "fairy_tale"
    assert story.text.startswith("Жил-был дракон, который боялся темноты.")
    assert "Сада-палец" not in story.text and "хмырей" not in story.text
    assert story.text.count("Жил-был дракон") == 1
    assert len(story.scenes) == scene_count(75)
    # every beat's first sentence names the hero, so every scene does
    assert all("дракон" in s.text.lower() for s in story.scenes)
    assert story.title == "Дракон, который боялся темноты"
    assert story.backends["text"] == "beat-aware-fake"
    # the model saw the example, the title and the story so far, ending in a cue that names the hero
    last = fake.prompts[-1]
    assert "Сказка «Дракон, который боялся темноты»" in last and "Жил-был дракон" in last


def test_english_story_with_scripted_model(scripted):
    continuations = iter(
        [
            " the old lighthouse by the sea, where the waves sang all night long.",
            " the little lamp in the lighthouse had gone out.",
            " climb the tall stairs with a box of matches.",
            " find oil for the lamp in the village below.",
            " a kind old sailor who knew everything about lamps.",
            " the lamp only needed a new wick and a little courage.",
            " lit the lamp, and the light shone far across the water.",
            " the fox was never afraid of the dark again.",
        ]
    )

    def model(prompt: str) -> str:
        if "called" in prompt:
            return "The Fox and the Lighthouse"
        if prompt.rstrip().endswith("."):  # asked to go on within a paragraph: end it instead
            return ""
        return next(continuations, "")

    fake = scripted(model)
    story = write_story(
        StoryRequest("a fox who was afraid of the dark", lang="auto", genre="fairy_tale", scenes=8),
        null_reporter(),
        backend=fake,
    )
    assert story.lang == "en"
    assert story.text.startswith("Once upon a time there was a fox who was afraid of the dark.")
    assert len(story.scenes) == 8
    assert all("fox" in s.text.lower() for s in story.scenes)
    assert all(s.keywords and s.keywords[0] == "fox" for s in story.scenes)
    assert story.title == "The fox who was afraid of the dark"


def test_a_model_that_only_writes_nonsense_is_a_clear_stage_error(scripted):
    fake = scripted(lambda prompt: " хмырь бдыщ кряколап зюзюка.")
    with pytest.raises(StageError) as err:
        write_story(StoryRequest("дракон, который боялся темноты"), null_reporter(), backend=fake)
    assert err.value.stage == "text"


def test_a_prompt_in_another_language_gets_the_nearest_language_and_a_note(scripted):
    good = iter(
        [
            " slept in a warm cave under the mountain.",
            " heard a strange noise coming from the forest.",
            " lit a small fire with a burning breath.",
            " flew to the village to ask the baker for a lamp.",
            " met a tiny glowing beetle on the road.",
            " learned that the noise was only the wind.",
            " flew over the dark hills without fear.",
            " sleeps peacefully every night.",
        ]
    )
    fake = scripted(lambda prompt: "" if prompt.rstrip().endswith(".") else next(good, ""))
    prompt = "Ein Drache lebte in einer Höhle. Er hatte Angst vor der Dunkelheit und konnte nicht schlafen."
    story = write_story(StoryRequest(prompt), null_reporter(), backend=fake)
    assert story.lang == "en"
    assert any("another language" in note for note in story.notes)
    assert story.text.startswith("Ein Drache lebte in einer Höhle.")  # the user's own words are kept


def test_scene_count_follows_the_request(scripted):
    good = iter(GOOD_RU)
    fake = scripted(lambda prompt: "" if prompt.rstrip().endswith(".") else next(good, ""))
    story = write_story(StoryRequest("Жил-был кот Васька.", scenes=6), null_reporter(), backend=fake)
    assert len(story.scenes) == 6
    assert story.text.startswith("Жил-был кот Васька.")


def test_a_pasted_wall_of_repeated_sentences_opens_the_story_once(scripted):
    good = iter(GOOD_RU)
    fake = scripted(lambda prompt: "" if prompt.rstrip().endswith(".") else next(good, ""))
    story = write_story(
        StoryRequest("Маленький дракон жил в пещере у моря. " * 270), null_reporter(), backend=fake
    )
    assert story.text.count("Маленький дракон жил в пещере у моря.") == 1
    assert len(story.scenes) == scene_count(75)
