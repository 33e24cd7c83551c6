"""Content rules: explicit sex, sex around children and gore are refused politely, in the user's language."""

from __future__ import annotations

import pytest

from engine.errors import PromptError
from engine.text import validate_prompt
from engine.text.moderation import classify, text_problem

REFUSED = {
    "Кровавая резня в деревне": ("gore", "ru"),
    "Рыцарь расчленил дракона и выпотрошил его": ("gore", "ru"),
    "Напиши эротическую сказку про принцессу": ("sexual", "ru"),
    "Порно история": ("sexual", "ru"),
    "Секс с девочкой": ("minors", "ru"),
    "A gory story where the knight dismembers the troll": ("gore", "en"),
    "A bloody massacre in the village": ("gore", "en"),
    "An erotic tale about a princess": ("sexual", "en"),
    "sexy schoolgirl story": ("minors", "en"),
    "Голая девочка в лесу": ("minors", "ru"),
    "Мальчик раздевается перед взрослым": ("minors", "ru"),
    "A naked little girl story": ("minors", "en"),
    "A story where the hero rips out the troll's guts": ("gore", "en"),
    "A story where the hero rips out guts": ("gore", "en"),
    "Волк вспорол живот охотнику": ("gore", "ru"),
}
ALLOWED = [
    "Дракон боялся темноты.",
    "Страшная история о призраке в старом замке.",
    "Рыцарь сражался с драконом и победил.",
    "Дракон пытался взлететь, но упал.",  # «пытался» is not «пытать»
    "Голый король вышел на площадь.",
    "The emperor's new clothes: the king walks naked through the town.",
    "Мальчик снял куртку и повесил её на крючок.",
    "She wiped the tears from her eyes and smiled.",
    "Кот поцарапал лапу, и выступила капля крови.",
    "a scary ghost story",
    "The knight had the guts to face the dragon.",
    "A werewolf howls at the moon and the children hide under the blanket.",
    "Grapes and a sleepy fox.",
]


@pytest.mark.parametrize("prompt,expected", list(REFUSED.items()))
def test_refused_prompts_get_a_polite_answer_in_their_language(prompt, expected):
    category, lang = expected
    assert classify(prompt) == category
    with pytest.raises(PromptError) as err:
        validate_prompt(prompt)
    message = str(err.value)
    if lang == "ru":
        assert "опробуйте" in message and not any("a" <= ch <= "z" for ch in message.lower())
    else:
        assert "try" in message.lower() and not any("\u0400" <= ch <= "\u04ff" for ch in message)


@pytest.mark.parametrize("prompt", ALLOWED)
def test_allowed_prompts_pass(prompt):
    assert classify(prompt) is None
    assert validate_prompt(prompt)


def test_generated_text_is_checked_too():
    assert text_problem("Он увидел кровавое месиво и кишки.") == "banned content: gore"
    assert text_problem("The ghost whispered goodnight.") is None


def test_rules_are_data_that_can_be_extended(monkeypatch):
    from engine.text import moderation, moderation_rules

    monkeypatch.setattr(moderation_rules, "GORE", (*moderation_rules.GORE, r"\bмясорубк"))
    moderation._compiled.cache_clear()
    try:
        assert classify("Дракон попал в мясорубку") == "gore"
    finally:
        monkeypatch.undo()
        moderation._compiled.cache_clear()
    assert classify("Дракон попал в мясорубку") is None


HARMFUL_OUTPUT = [
    "Tommy throws the rock at Jerry.",
    "Jerry is hit by the rock, but he falls down.",
    "The wolf killed the little pig.",
    "Лиса бросила камень в зайца.",
    "Рыцарь убил дракона.",
    "Медведь ударил его лапой.",
]
HARMLESS_OUTPUT = [
    "The idea hit him like a bolt of lightning.",
    "He kicked the ball over the fence.",
    "The bear threw a snowball at his friend, and they both laughed.",
    "Ветер ударил в окно, и дракон проснулся.",
    "Заяц бьёт в барабан.",
    "The baker's skill amazed the village.",
]


@pytest.mark.parametrize("sentence", HARMFUL_OUTPUT)
def test_a_generated_sentence_where_one_character_harms_another_is_rejected(sentence):
    assert text_problem(sentence) == "banned content: harm"


@pytest.mark.parametrize("sentence", HARMLESS_OUTPUT)
def test_play_and_weather_are_not_harm(sentence):
    assert text_problem(sentence) is None


def test_a_prompt_may_have_a_fight_the_writer_tells_it_without_harm():
    """The harm rules hold the writer's own sentences, not the user's: the prompt is accepted."""
    validate_prompt("Рыцарь убил дракона, и в королевстве наступил мир.")
    validate_prompt("A knight kills the dragon that burned the village.")
    assert classify("A knight kills the dragon.") is None


def test_the_users_own_sentence_is_kept_by_the_base_model_filter():
    from engine.story import Scene, Story
    from engine.text.writer import drop_banned_sentences

    opening = "Рыцарь убил дракона."
    story = Story(prompt=opening, lang="ru", genre="fairy_tale")
    story.scenes = [Scene(index=0, text=f"{opening} Потом рыцарь убил и его брата.")]
    drop_banned_sentences(story, keep={opening})
    assert story.scenes[0].text == opening
