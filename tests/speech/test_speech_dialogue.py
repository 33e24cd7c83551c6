"""Splitting narration from direct speech, and one consistent voice per character."""

from __future__ import annotations

import re

import pytest

from engine.speech.dialogue import Cast, assign_speakers, speakable, split_text
from engine.speech.narrate import VoiceCaster


def kinds(text: str, lang: str = "ru", cast: Cast | None = None):
    segs = split_text(text)
    assign_speakers(segs, lang, cast or Cast())
    return [("S" if s.speech else "N", s.text.strip()) for s in segs], segs


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    "text",
    [
        "Жила-была лиса.\n— Куда идёшь? — спросил волк.\n— Домой, — ответила лиса, — скоро ночь.",
        "Волк сказал: «Я провожу тебя!» Лиса кивнула.",
        "Сказка «Колобок» очень старая.",
        'Открыл «кавычку и не закрыл. Потом "ещё одну.',
        '"Hello," said Tom. "How are you?"',
        "«Он сказал: „Беги!“ и ушёл», — вспомнила лиса.",
    ],
)
def test_segments_join_back_to_the_original_text(text):
    _, segs = kinds(text)
    assert squash("".join(s.text for s in segs)) == squash(text)


def test_em_dash_dialogue_with_authors_remarks():
    got, segs = kinds(
        "Жила-была лиса.\n— Куда идёшь? — спросил волк.\n— Домой, — ответила лиса, — скоро ночь."
    )
    assert got == [
        ("N", "Жила-была лиса."),
        ("S", "— Куда идёшь?"),
        ("N", "— спросил волк."),
        ("S", "— Домой,"),
        ("N", "— ответила лиса,"),
        ("S", "— скоро ночь."),
    ]
    wolf, fox1, fox2 = (s for s in segs if s.speech)
    assert wolf.speaker != fox1.speaker and fox1.speaker == fox2.speaker
    assert wolf.gender == "m" and fox1.gender == "f"  # from "спросил" / "ответила"


def test_guillemets_with_colon_and_remark_inside():
    got, _ = kinds("Волк сказал: «Я провожу тебя!» Лиса кивнула.")
    assert got == [("N", "Волк сказал:"), ("S", "«Я провожу тебя!»"), ("N", "Лиса кивнула.")]
    got, segs = kinds("«Беги, — сказал дед, — беги!»")
    assert got == [("S", "«Беги,"), ("N", "— сказал дед,"), ("S", "— беги!»")]
    assert segs[0].speaker == segs[2].speaker


def test_nested_quotes_stay_inside_the_outer_speech():
    got, _ = kinds("Он крикнул: «Стой! Она сказала: „Беги!“ и ушла»")
    assert got == [("N", "Он крикнул:"), ("S", "«Стой! Она сказала: „Беги!“ и ушла»")]
    got, _ = kinds("Она шепнула: «Он сказал «привет» и ушёл».")
    assert got[1] == ("S", "«Он сказал «привет» и ушёл».")


def test_titles_in_quotes_and_unbalanced_quotes_are_narration():
    got, _ = kinds("Сказка «Колобок» очень старая.")
    assert got == [("N", "Сказка «Колобок» очень старая.")]
    got, _ = kinds('Открыл «кавычку и не закрыл. Потом "ещё одну.')
    assert [k for k, _ in got] == ["N"]


def test_dash_after_comma_in_narration_is_not_dialogue():
    got, _ = kinds("Лес был тёмный, — и страшный.")
    assert got == [("N", "Лес был тёмный, — и страшный.")]


def test_english_quotes_and_pronouns():
    cast = Cast()
    _, segs = kinds('"Hello," said Tom. "How are you?"\n"Fine," the fox replied.\n"Good."', "en", cast)
    speech = [s for s in segs if s.speech]
    assert [s.speaker for s in speech] == ["char1", "char1", "char2", "char1"]
    assert cast.keys == {"tom": "char1", "fox": "char2"}
    _, segs = kinds('She said, "Let us go home."', "en", cast)
    assert [s.speaker for s in segs if s.speech] == ["char2"] and cast.genders["char2"] == "f"


def test_characters_keep_their_key_across_scenes():
    cast = Cast()
    _, first = kinds("— Привет, — сказал волк.", "ru", cast)
    _, second = kinds("Прошёл день.\n— Опять ты? — удивился волк.", "ru", cast)
    assert first[0].speaker == next(s for s in second if s.speech).speaker == "char1"


def test_unattributed_lines_alternate_between_speakers():
    _, segs = kinds("— Привет, — сказал волк.\n— Привет, — ответила лиса.\n— Как дела?\n— Хорошо.")
    assert [s.speaker for s in segs if s.speech] == ["char1", "char2", "char1", "char2"]


def test_speakable_strips_quotes_and_dialogue_dashes_only():
    assert speakable("— Домой, — ответила лиса.") == "Домой, ответила лиса."
    assert speakable("«Я провожу тебя!»") == "Я провожу тебя!"
    assert speakable("Жила-была лиса") == "Жила-была лиса"


def test_caster_gives_distinct_voices_matching_gender(monkeypatch):
    import sys

    from engine.speech.voices import VoiceInfo

    narrate_mod = sys.modules["engine.speech.narrate"]  # the package re-exports the function by that name

    fake = [
        VoiceInfo("rhvoice:anna", "ru", "Anna", "female", "rhvoice", "x", True),
        VoiceInfo("rhvoice:aleksandr", "ru", "Aleksandr", "male", "rhvoice", "x", True),
        VoiceInfo("rhvoice:elena", "ru", "Elena", "female", "rhvoice", "x", True),
        VoiceInfo("rhvoice:pavel", "ru", "Pavel", "male", "rhvoice", "x", True),
        VoiceInfo("espeak:ru", "ru", "espeak", "male", "espeak", "x", True),
    ]
    monkeypatch.setattr(narrate_mod, "voices_for", lambda lang: fake)
    monkeypatch.setattr(narrate_mod, "find", lambda vid: next((v for v in fake if v.id == vid), None))
    caster = VoiceCaster("ru", "rhvoice:anna")
    wolf = caster.voice_for("char1", "m")
    fox = caster.voice_for("char2", "f")
    unknown = caster.voice_for("char3", "")
    assert wolf in ("rhvoice:aleksandr", "rhvoice:pavel")
    assert fox == "rhvoice:elena"
    assert unknown in ("rhvoice:aleksandr", "rhvoice:pavel") and unknown != wolf  # other gender than narrator
    assert caster.voice_for("char1", "m") == wolf  # stable
    assert "rhvoice:anna" not in caster.assigned.values()
    assert "espeak:ru" not in caster.assigned.values()
    assert caster.voice_for("narrator", "") == "rhvoice:anna"


def test_hyphen_typed_as_dialogue_dash():
    got, _ = kinds("- Привет! - сказал волк. - Как дела?")
    assert got == [("S", "- Привет!"), ("N", "- сказал волк."), ("S", "- Как дела?")]
    assert speakable("- сказал волк-одиночка.") == "сказал волк-одиночка."


def test_pronouns_resolve_to_the_subject_mentioned_before():
    pytest.importorskip("pymorphy3")
    cast = Cast()
    _, segs = kinds(
        "Мимо проходил старый барсук. Он остановился и сказал: «Этот ключ от дверцы!»", "ru", cast
    )
    _, later = kinds("— Хорошо, — ответил барсук.", "ru", cast)
    assert next(s for s in segs if s.speech).speaker == later[0].speaker == cast.keys["барсук"]
    _, segs = kinds("Волк посмотрел на зайца.\n— Беги, — сказал он.", "ru", cast)
    assert next(s for s in segs if s.speech).speaker == cast.keys["волк"]  # the subject, not the object


def test_english_pronoun_subject_of_the_remark():
    cast = Cast()
    _, segs = kinds(
        'An old badger was passing by. He stopped and said, "That key opens the door!"', "en", cast
    )
    _, later = kinds('"All right," the badger replied.', "en", cast)
    first = next(s for s in segs if s.speech)
    assert first.speaker == later[0].speaker == cast.keys["badger"] and first.gender == "m"


def test_random_punctuation_soup_never_breaks_and_keeps_every_character():
    import random

    rng = random.Random(7)
    alphabet = [*"«»„“”\"'—–-,.!?…: \n", "лиса", "сказал", "волк", "said", "Tom", "😀", "\\", "{", "}"]
    cast = Cast()
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        segs = split_text(text)
        assign_speakers(segs, rng.choice(["ru", "en"]), cast)
        assert squash("".join(s.text for s in segs)) == squash(text)
        assert all(s.text.strip() for s in segs)
        assert all(s.speaker == "narrator" or s.speech for s in segs)


def test_sentences_split_for_timing_but_not_after_abbreviations():
    from engine.speech.dialogue import split_sentences

    assert [s.strip() for s in split_sentences("Жила-была лиса. Однажды она ушла! Куда? 5 раз.")] == [
        "Жила-была лиса.", "Однажды она ушла!", "Куда?", "5 раз.",
    ]  # fmt: skip
    assert len(split_sentences("Mr. Smith met Dr. Who. They talked.")) == 2
    assert len(split_sentences("А. С. Пушкин писал, т. е. сочинял. Конец.")) == 2
    text = "«Беги!» Лиса побежала. Волк — за ней."
    assert "".join(split_sentences(text)) == text


def test_caster_falls_back_to_espeak_variants_when_alone(monkeypatch):
    import sys

    from engine.speech.voices import VoiceInfo

    narrate_mod = sys.modules["engine.speech.narrate"]
    only = [VoiceInfo("espeak:ru", "ru", "espeak", "male", "espeak", "x", True)]
    monkeypatch.setattr(narrate_mod, "voices_for", lambda lang: only)
    monkeypatch.setattr(narrate_mod, "find", lambda vid: next((v for v in only if v.id == vid), None))
    caster = VoiceCaster("ru", "espeak:ru")
    fox, wolf = caster.voice_for("char1", "f"), caster.voice_for("char2", "m")
    assert fox.startswith("espeak:ru+f") and wolf.startswith("espeak:ru+m")
    assert caster.voice_for("char3", "").startswith("espeak:ru+f")  # unlike the male narrator
