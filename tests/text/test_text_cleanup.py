from engine.text.cleanup import (
    clean_generation,
    drop_repeated_sentences,
    drop_unfinished_tail,
    split_sentences,
)


def test_special_tokens_and_role_labels_are_removed():
    raw = "Дракон улетел.<end_of_turn>\n<start_of_turn>model\nОн вернулся<start_of_image> домой. <eos>"
    out = clean_generation(raw)
    assert "<" not in out and "model" not in out
    assert "Дракон улетел." in out and "Он вернулся домой." in out


def test_markup_is_removed_but_words_stay():
    raw = "## Глава 1\n**Дракон** _летел_ над `лесом`. Смотри https://example.com/x и [сноска]"
    out = clean_generation(raw)
    assert "#" not in out and "*" not in out and "`" not in out and "http" not in out and "[" not in out
    assert "Дракон" in out and "летел" in out and "лесом" in out


def test_word_loops_collapse():
    assert clean_generation("Он шёл шёл шёл шёл по лесу. Ааааааа!") == "Он шёл по лесу. А!"


def test_cut_off_last_sentence_is_dropped():
    assert drop_unfinished_tail("Дракон улетел. Потом он увид") == "Дракон улетел."
    assert drop_unfinished_tail("Он сказал: «Привет!»") == "Он сказал: «Привет!»"
    assert drop_unfinished_tail("без конца") == ""


def test_repeated_sentences_are_dropped():
    sentences = [
        "Дракон жил в пещере.",
        "Каждое утро дракон смотрел на море.",
        "Дракон жил в пещере!",
        "Каждое утро дракон смотрел на синее море.",
        "Потом пришла зима.",
    ]
    assert drop_repeated_sentences(sentences) == [sentences[0], sentences[1], sentences[4]]


def test_sentences_split_with_razdel_keep_abbreviations_and_quotes():
    text = "Сова сказала: «Иди к реке». Т. е. туда, где растут ивы. Дракон пошёл.\nНаступила ночь."
    assert split_sentences(text) == [
        "Сова сказала: «Иди к реке».",
        "Т. е. туда, где растут ивы.",
        "Дракон пошёл.",
        "Наступила ночь.",
    ]
