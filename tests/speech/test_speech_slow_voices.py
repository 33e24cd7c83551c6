"""The real embedded voices (RHVoice from Debian, Piper joe from PyPI): short, but real models."""

from __future__ import annotations

import shutil
import time

import pytest

from engine.progress import StageReporter
from engine.speech import SAMPLE_RATE, default_voice, narrate, synthesize
from engine.speech.audio import read_wav, stats
from engine.speech.backends import piper as piper_voice
from engine.speech.loudness import integrated_loudness
from engine.speech.voices import find
from engine.story import Scene, Story

pytestmark = pytest.mark.slow

rhvoice_ready = pytest.mark.skipif(
    not (shutil.which("RHVoice-test") and find("rhvoice:anna") and find("rhvoice:anna").available),
    reason="RHVoice with Russian voices not installed",
)
piper_ready = pytest.mark.skipif(
    not (find("piper:joe") and find("piper:joe").available), reason="piper-tts / joe voice not installed"
)


def check_speech(path, words: int):
    samples, rate = read_wav(path)
    s = stats(samples, rate)
    assert rate == SAMPLE_RATE
    # plausible speaking rate: 1.2–4.5 words per second, mostly voiced, loudness normalised
    assert words / 4.5 < s["duration"] < words / 1.2
    assert s["voiced"] > 0.5
    assert integrated_loudness(samples, rate) == pytest.approx(-16.0, abs=1.0)
    return s


@rhvoice_ready
@pytest.mark.parametrize("voice", ["rhvoice:anna", "rhvoice:aleksandr-hq"])
def test_rhvoice_russian(tmp_path, voice):
    seconds = synthesize(
        "Жила-была маленькая лиса, и она очень любила гулять по лесу.", voice, tmp_path / "r.wav"
    )
    assert seconds > 0
    check_speech(tmp_path / "r.wav", 11)


@rhvoice_ready
def test_rhvoice_reads_latin_words_inside_russian(tmp_path):
    with_latin = synthesize("Лиса открыла Google и написала hello world.", "rhvoice:anna", tmp_path / "a.wav")
    without = synthesize("Лиса открыла и написала.", "rhvoice:anna", tmp_path / "b.wav")
    assert with_latin > without + 0.6  # the three Latin words are spoken, not skipped


@rhvoice_ready
def test_rhvoice_hostile_text(tmp_path):
    text = '-p anna "кавычки" \\ {x} %s $HOME <speak>не ssml</speak>\nновая строка 😀 שלום'
    assert synthesize(text, "rhvoice:anna", tmp_path / "h.wav") > 0.5


@piper_ready
def test_piper_joe_english_and_stays_loaded(tmp_path):
    synthesize(
        "Once upon a time a little fox lived in a dark and quiet forest.", "piper:joe", tmp_path / "p.wav"
    )
    check_speech(tmp_path / "p.wav", 13)
    loaded = piper_voice._loaded["joe"]
    started = time.perf_counter()
    synthesize("The end.", "piper:joe", tmp_path / "q.wav")
    assert piper_voice._loaded["joe"] is loaded
    assert time.perf_counter() - started < 10


@rhvoice_ready
def test_narrate_russian_story_with_dialogue(tmp_path):
    story = Story(
        prompt="лиса и волк",
        lang="ru",
        genre="fairy_tale",
        scenes=[
            Scene(0, "Жила-была лиса. В 2024 году она встретила волка.\n— Куда идёшь? — спросил волк."),
            Scene(1, "— Домой, — ответила лиса. — Скоро ночь.\nВолк сказал: «Я провожу тебя!»"),
        ],
    )
    narrate(story, tmp_path, StageReporter("speech"))
    assert story.voice == default_voice("ru") and story.voice.startswith("rhvoice:")
    assert story.backends["speech"] == "rhvoice"
    by_speaker: dict[str, set[str]] = {}
    for scene in story.scenes:
        samples, rate = read_wav(tmp_path / scene.audio)
        assert integrated_loudness(samples, rate) == pytest.approx(-16.0, abs=0.5)
        assert scene.lines[-1].end <= samples.size / rate
        for line in scene.lines:
            by_speaker.setdefault(line.speaker, set()).add(line.voice)
    assert all(len(v) == 1 for v in by_speaker.values())  # one voice per character, story-wide
    voices = [next(iter(v)) for v in by_speaker.values()]
    assert len(set(voices)) == len(voices) == 3  # narrator, wolf, fox all differ
    wolf = find(next(iter(by_speaker["char1"])))
    fox = find(next(iter(by_speaker["char2"])))
    assert (wolf.gender, fox.gender) == ("male", "female")


@piper_ready
def test_narrate_english_story_with_piper(tmp_path):
    story = Story(
        prompt="fox",
        lang="en",
        genre="fable",
        scenes=[Scene(0, 'A fox met a crow. "Good morning," said the fox. "Sing for me!"')],
    )
    narrate(story, tmp_path, StageReporter("speech"))
    assert story.voice == "piper:joe"
    lines = story.scenes[0].lines
    assert [ln.speaker for ln in lines] == ["narrator", "char1", "narrator", "char1"]
    assert lines[1].voice != "piper:joe"


@rhvoice_ready
def test_rhvoice_in_process_matches_subprocess_and_honours_stress(tmp_path, monkeypatch):
    from engine.errors import Cancelled
    from engine.progress import CancelToken
    from engine.speech.backends import rhvoice, rhvoice_lib

    if rhvoice_lib.engine() is None:
        pytest.skip(f"libRHVoice in-process not usable: {rhvoice_lib.why_not()}")
    text = "Жила-была маленькая лиса, и она очень любила гулять по лесу."
    inproc, rate = rhvoice.synth(text, "anna", "ru")
    subproc, sub_rate = rhvoice.synth_subprocess(text, "anna")
    assert rate == sub_rate == SAMPLE_RATE
    assert inproc.size == pytest.approx(subproc.size, rel=0.02)  # same engine, same voice
    plain, _ = rhvoice.synth("В замке был замок.", "anna", "ru")
    marked, _ = rhvoice.synth("В з+амке был зам+ок.", "anna", "ru")
    assert marked.size == pytest.approx(plain.size, rel=0.05)  # '+' is a stress mark, not read aloud
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        rhvoice.synth(text, "anna", "ru", token)
    assert rhvoice.synth("Снова.", "anna", "ru")[0].size > 0  # the engine survives a cancellation
