"""The voice catalogue: contents, ids, licences read from Debian's data, availability flags."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from engine.speech import catalogue, default_voice, doctor, voices_for
from engine.speech.licences import licence_for, parse_stanzas
from engine.speech.voices import RHVOICE_EN, RHVOICE_RU

RHVOICE_INSTALLED = Path("/usr/share/RHVoice/voices/anna/voice.info").is_file()


def test_catalogue_lists_every_expected_voice_with_unique_ids():
    voices = catalogue()
    ids = [v.id for v in voices]
    assert len(ids) == len(set(ids))
    for name in RHVOICE_RU:
        assert f"rhvoice:{name}" in ids
    for name in RHVOICE_EN:
        assert f"rhvoice:{name}" in ids
    assert len([i for i in ids if i.startswith("rhvoice:") and i.split(":")[1] in RHVOICE_RU]) == 14
    for vid in (
        "piper:joe",
        "espeak:ru",
        "espeak:en",
        "silero:ru:aidar",
        "silero:ru:baya",
        "silero:ru:kseniya",
        "silero:ru:xenia",
        "silero:ru:eugene",
        "silero:en:en_0",
    ):
        assert vid in ids
    for v in voices:
        assert v.lang in ("ru", "en")
        assert v.backend == v.id.split(":")[0]
        assert v.name and v.licence
        assert v.available == (v.why_not == "")


def test_catalogue_is_fast_enough_for_buttons():
    catalogue()
    started = time.perf_counter()
    for _ in range(3):
        catalogue()
    assert (time.perf_counter() - started) / 3 < 0.5


@pytest.mark.skipif(not RHVOICE_INSTALLED, reason="Debian rhvoice-russian not installed")
def test_rhvoice_voices_read_gender_and_licence_from_installed_packages():
    by_id = {v.id: v for v in catalogue()}
    assert by_id["rhvoice:anna"].gender == "female" and by_id["rhvoice:anna"].available
    assert by_id["rhvoice:aleksandr"].gender == "male"
    # From /usr/share/doc/rhvoice-russian/copyright: the last matching Files: stanza
    assert by_id["rhvoice:aleksandr-hq"].licence == "CC-BY-SA-4.0"
    assert by_id["rhvoice:tatiana"].licence == "CC-BY-NC-ND-4.0"
    assert by_id["rhvoice:anna"].licence == "LGPL-2.1+"


def test_copyright_parser_uses_last_matching_stanza():
    text = (
        "Files: *\nCopyright: x\nLicense: LGPL-2.1+\n\n"
        "Files: data/voices/a/*\n       data/voices/b/*\nCopyright: y\nLicense: CC-BY-NC-ND-4.0\n text\n\n"
        "Files: data/voices/c/*\nLicense: CC-BY-SA-4.0\n"
    )
    stanzas = parse_stanzas(text)
    assert licence_for("data/voices/b/voice.info", stanzas) == "CC-BY-NC-ND-4.0"
    assert licence_for("data/voices/c/voice.info", stanzas) == "CC-BY-SA-4.0"
    assert licence_for("data/voices/z/voice.info", stanzas) == "LGPL-2.1+"


def test_silero_unavailable_without_model_in_cache():
    silero = [v for v in catalogue() if v.backend == "silero"]
    assert silero and not any(v.available for v in silero)
    assert all(v.why_not for v in silero)


def test_defaults_and_voices_for_put_available_first():
    ru = voices_for("ru")
    assert all(v.lang == "ru" for v in ru)
    flags = [v.available for v in ru]
    assert flags == sorted(flags, reverse=True)
    if RHVOICE_INSTALLED and shutil.which("RHVoice-test"):
        assert default_voice("ru").startswith("rhvoice:")
    en_default = default_voice("en")
    assert en_default in {v.id for v in voices_for("en") if v.available} or en_default == "espeak:en"
    assert default_voice("xx") == default_voice("en")


def test_doctor_has_a_row_per_backend():
    rows = doctor()
    names = " ".join(r.name for r in rows)
    for backend in ("rhvoice", "piper", "espeak", "silero"):
        assert backend in names
    assert all(r.block == "speech" and r.detail for r in rows)


def test_chars_per_second_known_and_fallback():
    from engine.speech import chars_per_second

    assert chars_per_second("rhvoice:anna") < chars_per_second("rhvoice:anna", with_pauses=False)
    assert 10 < chars_per_second("rhvoice:anna") < 20
    assert 10 < chars_per_second("unknown:voice", "en") < 20
