"""Sentence filters: other scripts, invented words, repeats and banned content are caught; names pass."""

from __future__ import annotations

from engine.text.filters import SentenceCheck, invented_words, other_script_tokens


def test_other_scripts_are_found():
    assert other_script_tokens("Дракон полетел домой wayward и уснул.", "ru") == ["wayward"]
    assert other_script_tokens("Дракон пошёл 回家.", "ru") == ["回家"]
    assert other_script_tokens("Зuko бросился бежать.", "ru") == ["Зuko"]
    assert other_script_tokens("The fox ran 回家 to the дом.", "en") == ["回家", "дом"]
    assert other_script_tokens("Дракон, «Искра», полетел — домой!", "ru") == []
    assert other_script_tokens("The fox said: “Hello!”", "en") == []


def test_invented_words_are_found_but_names_pass():
    assert invented_words("Он остался наединечь с неопытенным другом.", "ru") == ["наединечь", "неопытенным"]
    assert invented_words("Ночью ёжик Тим встретил сову.", "ru") == []
    assert invented_words("Искры не было дома.", "ru", names=["Искра"]) == []  # an inflected cast name
    assert invented_words("Вдруг Топх прибежал.", "ru") == []  # capitalised inside a sentence: a name
    assert invented_words("Топх прибежал.", "ru") == ["Топх"]  # at the start it must be a known name
    assert invented_words("Кое-где жил-был дракон.", "ru") == []
    assert invented_words("The dragon didn't flibber the bakery's bread.", "en") == ["flibber"]
    assert invented_words("Zephyr baked bread.", "en", names=["Zephyr"]) == []


def test_sentence_check_rejects_repeats_and_banned_content():
    check = SentenceCheck("ru", {"Искра"})
    first = "Дракон Искра боялся темноты."
    assert check.problem(first) is None
    check.accept(first)
    assert check.problem("Дракон Искра боялся темноты!") == "repeats an earlier sentence"
    assert check.problem("Он увидел кровавое месиво.") == "banned content: gore"
    assert check.problem("Дракон зажёг фонарик wayward.").startswith("other script")
    assert check.problem("Искра остался наединечь.").startswith("unknown words")
    assert check.problem("Искра зажёг маленький фонарик.") is None
    assert check.problem("…") == "no words"
