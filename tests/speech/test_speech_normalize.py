"""Text normalisation before TTS: numbers with agreement, abbreviations, symbols, Latin, emoji."""

from __future__ import annotations

import pytest

from engine.speech.normalize import Policy, normalize, transliterate_word

pytest.importorskip("num2words")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В 2024 году", "В две тысячи двадцать четвёртом году"),
        ("с 1999 года", "с тысяча девятьсот девяносто девятого года"),
        ("нашла 15 грибов", "нашла пятнадцать грибов"),
        ("до 5 часов", "до пяти часов"),
        ("к 3 друзьям", "к трём друзьям"),
        ("3-й раз", "третий раз"),
        ("5-го числа", "пятого числа"),
        ("Скидка 50%", "Скидка пятьдесят процентов"),
        ("2 рубля и 100 руб.", "два рубля и сто рублей"),
        ("3,5 кг", "три целых пять десятых килограмма"),
        ("в 1812 г.", "в тысяча восемьсот двенадцатом году"),
        ("12\u00a0500 шагов", "двенадцать тысяч пятьсот шагов"),
    ],
)
def test_russian_numbers(text, expected):
    assert normalize(text, "ru") == expected


def test_russian_number_gender_follows_the_noun():
    pytest.importorskip("pymorphy3")
    assert normalize("1 ягоду и 2 девочки", "ru") == "одну ягоду и две девочки"
    assert normalize("21 яблоко", "ru") == "двадцать одно яблоко"
    assert normalize("2 000 001 звезда", "ru") == "два миллиона одна звезда"
    assert normalize("1 000 000 звёзд", "ru") == "один миллион звёзд"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("т.е. дёшево", "то есть дёшево"),
        ("и т.д.", "и так далее"),
        ("и т. п.", "и тому подобное"),
        ("лисы, волки и др.", "лисы, волки и другие"),
        ("см. рис", "смотри рис"),
    ],
)
def test_russian_abbreviations(text, expected):
    assert normalize(text, "ru") == expected


def test_russian_symbols():
    assert (
        normalize("№ 5 § 3 и 2+2=4 & 30°", "ru")
        == "номер пять параграф три и два плюс два равно четыре и тридцать градусов"
    )


def test_english_numbers_abbreviations_symbols():
    text = "Mr. Smith paid $5 and 25% in 1999, the 21st time, i.e. 3.5 hours. Dr. Who No. 7"
    out = normalize(text, "en")
    assert out == (
        "Mister Smith paid five dollars and twenty-five percent in nineteen ninety-nine, "
        "the twenty-first time, that is three point five hours. Doctor Who number seven"
    )
    assert normalize("Tom & Jerry + 1,000 cats", "en") == "Tom and Jerry plus one thousand cats"


def test_latin_words_kept_or_transliterated_by_policy():
    text = "Он сказал hello в Google"
    assert normalize(text, "ru", Policy(latin="keep")) == text
    out = normalize(text, "ru", Policy(latin="translit"))
    assert not any("a" <= c.lower() <= "z" for c in out)
    assert transliterate_word("Google") == "Гугл"
    assert transliterate_word("shop") == "шоп"


def test_emoji_markup_rtl_and_controls_removed():
    text = "Привет 😀🐉👨‍👩‍👧 <b>жирно</b> **md** [ссылка](http://x.y) שלום مرحبا \u200f\u202e\x00 \\ {x}"
    out = normalize(text, "ru")
    assert out == "Привет жирно md ссылка x"


def test_only_emoji_gives_empty_text():
    assert normalize("😀🐉 ✨", "ru") == ""
    assert normalize("   ", "en") == ""


def test_stress_marks_kept_for_silero_and_stripped_otherwise():
    assert normalize("з+амок и за́мок", "ru", Policy(stress=True)) == "з+амок и з+амок"
    assert normalize("з+амок и за́мок", "ru", Policy(stress=False)) == "замок и замок"
    assert normalize("2+2", "ru", Policy(stress=True)) == "два плюс два"
