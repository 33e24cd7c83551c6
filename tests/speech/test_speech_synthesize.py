"""Real synthesis with espeak-ng (fast), hostile text, unknown voices, and narrate end to end."""

from __future__ import annotations

import ctypes.util
import shutil

import pytest

from engine.errors import StageError
from engine.progress import StageReporter
from engine.speech import SAMPLE_RATE, narrate, synthesize
from engine.speech.audio import read_wav, stats
from engine.speech.loudness import integrated_loudness
from engine.story import Scene, Story

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")

HOSTILE = [
    'Он сказал: "Привет" и \\n ушёл\\\\ {braces} %s %d $HOME `ls` ; rm -rf /',
    "--help -v en [[h@l@U]] <speak>ssml</speak> &amp; ",
    "Строка\nс переводом\r\nстроки\tи табом",
    "😀🐉 שלום مرحبا 100% «ёлочки» „лапки“ 'single' {x} [y] (z)",
    "\u202eRTL override\u202c и \u200f метки \x00\x07",
    "a" * 300 + " " + "слово " * 30,
]


@needs_espeak
@pytest.mark.parametrize("voice", ["espeak:ru", "espeak:en", "espeak:ru+f3"])
def test_espeak_synthesis_is_real_audio_at_project_rate(tmp_path, voice):
    text = (
        "Жила-была маленькая лиса, и она очень любила гулять по лесу."
        if voice == "espeak:ru"
        else ("Once upon a time a little fox lived in a dark and quiet forest.")
    )
    out = tmp_path / "line.wav"
    seconds = synthesize(text, voice, out)
    samples, rate = read_wav(out)
    s = stats(samples, rate)
    assert rate == SAMPLE_RATE
    assert seconds == pytest.approx(samples.size / rate)
    # ~11 words: plausible speech is 2–8 s, mostly voiced, loudness normalised to -16 LUFS
    assert 2.0 < seconds < 8.0
    assert s["voiced"] > 0.5
    assert integrated_loudness(samples, rate) == pytest.approx(-16.0, abs=1.0)


@needs_espeak
@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_text_never_breaks_synthesis(tmp_path, text):
    out = tmp_path / "h.wav"
    seconds = synthesize(text, "espeak:ru", out)
    assert seconds > 0
    assert read_wav(out)[1] == SAMPLE_RATE


def test_only_emoji_becomes_a_short_pause(tmp_path):
    out = tmp_path / "e.wav"
    seconds = synthesize("😀🐉✨", "espeak:en", out)
    samples, _ = read_wav(out)
    assert 0 < seconds < 1 and stats(samples)["voiced"] == 0


@pytest.mark.parametrize(
    "bad", ["", "nope", "rhvoice:nobody", "espeak", "silero:ru", "espeak:-x", "espeak:ru+q9"]
)
def test_unknown_voice_is_a_clear_stage_error(tmp_path, bad):
    with pytest.raises(StageError) as err:
        synthesize("Привет", bad, tmp_path / "x.wav")
    assert err.value.stage == "speech" and "unknown voice" in str(err.value)


@needs_espeak
def test_narrate_with_espeak_fills_lines_timings_and_audio(tmp_path):
    story = Story(
        prompt="x",
        lang="ru",
        genre="fairy_tale",
        scenes=[
            Scene(0, "Жила-была лиса.\n— Куда идёшь? — спросил волк.\n— Домой, — ответила лиса."),
            Scene(1, "😀"),
        ],
    )
    events = []
    narrate(story, tmp_path, StageReporter("speech", callback=events.append), voice="espeak:ru")
    assert story.voice == "espeak:ru" and "espeak" in story.backends["speech"].split("+")
    first = story.scenes[0]
    assert [ln.speaker for ln in first.lines] == ["narrator", "char1", "narrator", "char2", "narrator"]
    voices = {ln.speaker: ln.voice for ln in first.lines}
    assert voices["narrator"] == "espeak:ru" and len(set(voices.values())) == 3
    scene_audio, rate = read_wav(tmp_path / first.audio)
    assert rate == SAMPLE_RATE
    assert integrated_loudness(scene_audio, rate) == pytest.approx(-16.0, abs=0.5)
    previous_end = 0.0
    for line in first.lines:
        assert (tmp_path / line.audio).is_file()
        assert previous_end < line.start < line.end <= scene_audio.size / rate
        line_audio, _ = read_wav(tmp_path / line.audio)
        assert line.end - line.start == pytest.approx(line_audio.size / rate, abs=0.01)
        previous_end = line.end
    assert story.scenes[1].audio and (tmp_path / story.scenes[1].audio).is_file()
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(events) >= 6


@needs_espeak
def test_narrate_falls_back_when_the_voice_is_unavailable(tmp_path):
    story = Story(prompt="x", lang="ru", genre="fable", scenes=[Scene(0, "Лиса спала.")])
    narrate(story, tmp_path, StageReporter("speech"), voice="silero:ru:aidar")  # no model in the cache
    assert not story.voice.startswith("silero:")
    assert any("unavailable" in n for n in story.notes)
    notes = len(story.notes)
    narrate(story, tmp_path, StageReporter("speech"))  # a redo keeps the chosen voice, no duplicate notes
    assert len(story.notes) <= notes and story.scenes[0].audio


def test_rhvoice_in_process_only_with_the_verified_library(monkeypatch):
    from engine.speech.backends import rhvoice, rhvoice_lib

    monkeypatch.setattr(rhvoice_lib, "_engine", None)
    monkeypatch.setattr(rhvoice_lib, "_engine_error", None)
    monkeypatch.setenv("DIGITELLER_RHVOICE", "subprocess")
    assert rhvoice_lib.engine() is None and rhvoice.mode().startswith("subprocess")
    assert rhvoice.policy().stress is False  # Debian's config has no stress_marker: strip '+'

    monkeypatch.setattr(rhvoice_lib, "_engine_error", None)
    monkeypatch.delenv("DIGITELLER_RHVOICE")
    monkeypatch.setattr(rhvoice_lib, "VERIFIED_VERSION", b"0.0.0")
    assert rhvoice_lib.engine() is None
    reason = rhvoice_lib.why_not()
    assert reason
    if ctypes.util.find_library("RHVoice"):  # the library is there: refused for its version only
        assert "verified" in reason


@needs_espeak
def test_narrate_hostile_scenes(tmp_path):
    scenes = [Scene(i, text) for i, text in enumerate(['""""', "«»", "— — —", "\\ {x} %s", "", "   \n\n  "])]
    story = Story(prompt="x", lang="en", genre="comedy", scenes=scenes)
    narrate(story, tmp_path, StageReporter("speech"), voice="espeak:en")
    for scene in story.scenes:
        samples, rate = read_wav(tmp_path / scene.audio)
        assert rate == SAMPLE_RATE and samples.size > 0
        for line in scene.lines:
            assert line.end >= line.start


def test_warm_up_ignores_unavailable_and_unknown_voices():
    from engine.speech import warm_up

    warm_up("silero:ru:aidar")  # no model in the cache: nothing raised, narrate will report it
    warm_up("nope:nothing")
    warm_up("espeak:ru")
