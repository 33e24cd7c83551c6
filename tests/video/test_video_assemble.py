"""assemble(): real ffmpeg runs on tiny stories, checked with ffprobe and by listening to the mix."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import engine.video.ffmpeg_run as ffmpeg_run
from engine.errors import Cancelled
from engine.progress import CancelToken, Progress, StageReporter, null_reporter
from engine.story import ASPECTS
from engine.video import assemble, doctor, probe
from engine.video.subtitles import read_ass_texts
from engine.video.timeline import total_duration
from tests.video.conftest import StoryFactory

TINY = (320, 180)
HOSTILE = (
    "Он сказал: \"Привет\" — 100% {\\an8\\fs99}C:\\dir\\N 'q' [out]; drawtext=text=x, "
    "subtitles=/etc/passwd 🐉 שלום\n[Script Info]"
)


def _pcm(path: Path, rate: int = 8000) -> np.ndarray:
    """The file's audio as mono float samples (ffmpeg decodes, numpy measures)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def _level(samples: np.ndarray, rate: int, start: float, end: float, freq: float) -> float:
    """Amplitude of one frequency in a window (a single DFT bin)."""
    chunk = samples[int(start * rate) : int(end * rate)]
    t = np.arange(len(chunk)) / rate
    return float(np.abs(np.sum(chunk * np.exp(-2j * np.pi * freq * t))) * 2 / len(chunk))


def test_assemble_end_to_end_with_hostile_text(tmp_path: Path, story_factory: StoryFactory) -> None:
    story = story_factory(["Первая сцена: дракон проснулся.", HOSTILE], seconds=1.0)
    events: list[Progress] = []
    out = tmp_path / "story.mp4"
    info = assemble(story, tmp_path, out, StageReporter("video", events.append), size=TINY)
    total = total_duration(story)
    meta = probe(out)
    assert (meta.video_codec, meta.audio_codec, meta.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (meta.width, meta.height) == TINY
    assert meta.duration == pytest.approx(total, abs=0.15)
    assert info["duration"] == meta.duration and info["size_bytes"] == out.stat().st_size
    assert info["file"] == "story.mp4" and info["fps"] == 25
    assert info["lufs"]["narration"] < 0 and info["lufs"]["music"] is None
    assert info["lufs"]["output"] == pytest.approx(-16.0, abs=1.5)
    # progress came from ffmpeg's own clock, climbing to the end
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 4
    # the text reached the subtitles exactly (words re-flowed into cues, nothing lost or added)
    texts = read_ass_texts(tmp_path / "assembly" / "subtitles.ass")
    shown = " ".join(" ".join(t.split()) for t in texts)
    assert shown == " ".join(("Первая сцена: дракон проснулся. " + HOSTILE).split())
    assert not (tmp_path / "story.part.mp4").exists()


def test_hostile_folder_and_file_names(tmp_path: Path, story_factory: StoryFactory) -> None:
    """Paths never enter the filter graph: a folder named like graph syntax changes nothing."""
    folder = tmp_path / "we'ird: [dir], 100% {x} -y; subtitles=a.ass"
    story = story_factory(["Сцена один.", "Сцена два."], folder=folder, seconds=0.6)
    out = folder / "out: 'final' [1].mp4"
    info = assemble(story, folder, out, null_reporter("video"), size=TINY)
    assert out.is_file() and info["file"] == out.name
    assert probe(out).video_codec == "h264"


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_assemble_full_resolution_per_aspect(
    tmp_path: Path, story_factory: StoryFactory, aspect: str
) -> None:
    story = story_factory(["Одна короткая сцена."], seconds=0.8, aspect=aspect)
    out = tmp_path / f"{aspect.replace(':', 'x')}.mp4"
    info = assemble(story, tmp_path, out, null_reporter("video"))
    meta = probe(out)
    assert (meta.width, meta.height) == ASPECTS[aspect] == (info["width"], info["height"])
    assert meta.video_codec == "h264" and meta.pix_fmt == "yuv420p"
    assert meta.duration == pytest.approx(total_duration(story), abs=0.15)
    with out.open("rb") as f:  # +faststart: the index (moov) comes before the media data (mdat)
        head = f.read(4096)
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head


def test_music_is_ducked_under_the_narration(tmp_path: Path, story_factory: StoryFactory) -> None:
    # each scene: 2 s of a 300 Hz "voice", then 2.5 s of silence inside the same wav
    story = story_factory(["Раз два три.", "Четыре пять."], seconds=2.0, silence_after=2.5, music=True)
    out = tmp_path / "m.mp4"
    info = assemble(story, tmp_path, out, null_reporter("video"), size=TINY)
    assert info["music"] is True and info["lufs"]["music"] is not None
    rate = 8000
    pcm = _pcm(out, rate)
    s1 = story.scenes[1].start
    talking = _level(pcm, rate, s1 + 0.6, s1 + 1.8, 1000.0)
    quiet = _level(pcm, rate, s1 + 3.0, s1 + 4.2, 1000.0)  # >1 s after the voice stopped
    voice = _level(pcm, rate, s1 + 0.6, s1 + 1.8, 300.0)
    assert voice > 0.05
    assert quiet > 0.005  # the music is really there
    assert 20 * np.log10(quiet / talking) >= 6.0  # and at least 6 dB quieter under the voice


def test_cancel_kills_ffmpeg(tmp_path: Path, story_factory: StoryFactory, monkeypatch) -> None:
    story = story_factory(["Долгая сцена для отмены."], seconds=20.0)
    procs: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def spy(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        procs.append(proc)
        return proc

    monkeypatch.setattr(ffmpeg_run.subprocess, "Popen", spy)
    token = CancelToken()

    def on_progress(p: Progress) -> None:
        if p.fraction > 0.1:  # the encode has started producing frames
            token.cancel()

    started = time.monotonic()
    with pytest.raises(Cancelled):
        assemble(
            story, tmp_path, tmp_path / "c.mp4", StageReporter("video", on_progress, token), size=(1280, 720)
        )
    assert time.monotonic() - started < 15
    assert procs and procs[-1].poll() is not None and procs[-1].returncode < 0  # killed, not finished
    assert not (tmp_path / "c.mp4").exists() and not (tmp_path / "c.part.mp4").exists()


def test_run_ffmpeg_cancel_from_another_thread_is_prompt(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        ffmpeg_run.run_ffmpeg(
            ["ffmpeg", "-f", "lavfi", "-i", "testsrc=s=320x180:r=25", "-t", "3600", "-f", "null", "-"],
            "video",
            token,
        )
    assert time.monotonic() - started < 3


def test_ffmpeg_failure_is_a_stage_error(tmp_path: Path) -> None:
    from engine.errors import StageError

    with pytest.raises(StageError, match="ffmpeg failed"):
        ffmpeg_run.run_ffmpeg(["ffmpeg", "-i", str(tmp_path / "missing.wav"), "-f", "null", "-"], "video")


def test_doctor_finds_ffmpeg_and_a_cyrillic_font() -> None:
    rows = {r.name: r for r in doctor()}
    assert rows["ffmpeg"].ready, rows["ffmpeg"].detail
    assert rows["font"].ready, rows["font"].detail


def test_a_story_not_yet_laid_out_is_laid_out_first(tmp_path: Path, story_factory: StoryFactory) -> None:
    story = story_factory(["Без разметки."], seconds=0.6)
    expected = total_duration(story)
    for scene in story.scenes:
        scene.start = scene.end = 0.0
    info = assemble(story, tmp_path, tmp_path / "l.mp4", null_reporter("video"), size=TINY)
    assert info["duration"] == pytest.approx(expected, abs=0.15)


def test_scene_without_a_picture_gets_a_text_card(tmp_path: Path, story_factory: StoryFactory) -> None:
    story = story_factory(["Сцена с картинкой.", "Сцена без картинки."], seconds=0.6)
    story.scenes[1].frame = story.scenes[1].image = None
    assemble(story, tmp_path, tmp_path / "o.mp4", null_reporter("video"), size=TINY)
    assert (tmp_path / "assembly" / "card_01.png").is_file()
    assert any("text card" in note for note in story.notes)


def test_probe_reports_streams_and_rejects_missing_files(tmp_path: Path) -> None:
    from engine.errors import StageError
    from tests.video.conftest import make_tone

    info = probe(make_tone(tmp_path / "t.wav", 1.5))
    assert info.duration == pytest.approx(1.5, abs=0.01)
    assert info.video_codec is None and info.audio_codec == "pcm_s16le" and info.sample_rate == 24000
    with pytest.raises(StageError):
        probe(tmp_path / "nope.mp4")


def test_missing_ffmpeg_is_a_clear_error(tmp_path: Path, story_factory: StoryFactory, monkeypatch) -> None:
    from engine.errors import StageError

    story = story_factory(["Сцена."], seconds=0.5)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(StageError, match="ffmpeg is not installed"):
        assemble(story, tmp_path, tmp_path / "x.mp4", null_reporter("video"), size=TINY)
