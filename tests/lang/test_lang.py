"""engine.lang, the shared layer below the blocks: one analyser, one markup stripper, razdel splitting."""

from __future__ import annotations

import subprocess
import sys
import threading

from engine.lang import detect_language, is_native, morph, split_sentences, strip_markup, words


def test_one_analyser_for_the_whole_process() -> None:
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(morph())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(m is morph() for m in seen)
    assert morph().parse("драконы")[0].normal_form == "дракон"


def test_the_blocks_share_it() -> None:
    from engine.images.backends.composer.words import _morph as images_morph
    from engine.speech.dialogue import _morph as dialogue_morph
    from engine.speech.normalize import _morph as normalize_morph
    from engine.text.morph import ru_analyzer

    assert ru_analyzer() is images_morph() is dialogue_morph() is normalize_morph() is morph()


def test_strip_markup_keeps_the_words() -> None:
    text = "<b>Дракон</b> &amp; [кот](https://x.y) **смелый** see https://example.com\n# Заголовок\n- пункт"
    out = strip_markup(text)
    assert "<" not in out and "*" not in out and "http" not in out and "#" not in out
    for word in ("Дракон", "&", "кот", "смелый", "Заголовок", "пункт"):
        assert word in out


def test_sentences_know_abbreviations_and_quotes() -> None:
    text = "Жил-был дракон, т. е. очень старый дракон. «Привет!» — сказал он.\nНовая строка"
    assert split_sentences(text) == [
        "Жил-был дракон, т. е. очень старый дракон.",
        "«Привет!» — сказал он.",
        "Новая строка",
    ]


def test_words_are_letters_only_and_keep_hyphenated_words() -> None:
    assert words("Жил-был дракон, 3 раза: «ой!»") == ["Жил-был", "дракон", "раза", "ой"]


def test_language() -> None:
    assert detect_language("Жил-был дракон") == "ru" and detect_language("Once upon a time") == "en"
    assert not is_native("Жив був собі дракон, який дуже боявся", "ru")


def test_importing_the_layer_is_cheap() -> None:
    code = "import sys, engine.lang; print(sorted({'pymorphy3', 'razdel', 'PIL'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sentence_pieces_keep_every_character() -> None:
    from engine.lang import sentence_pieces

    text = "«Беги!» Лиса побежала.  Волк — за ней. Mr. Smith met Dr. Who."
    pieces = sentence_pieces(text)
    assert "".join(pieces) == text
    assert [p.strip() for p in pieces] == [
        "«Беги!»",
        "Лиса побежала.",
        "Волк — за ней.",
        "Mr. Smith met Dr. Who.",
    ]
    assert sentence_pieces("   ") == []
