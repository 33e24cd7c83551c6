"""The shipped checkpoint loads, stays small, and writes valid MIDI; score() renders a real wav."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from engine.music.checkpoint import CHECKPOINT_DIR, checkpoint_file

TIMGM = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
pytestmark = pytest.mark.skipif(not checkpoint_file().exists(), reason="checkpoint not trained yet")


def test_checkpoint_is_committable_with_its_records() -> None:
    assert checkpoint_file().stat().st_size <= 20 * 1024 * 1024
    for name in ("config.json", "train.log", "metrics.json"):
        assert (CHECKPOINT_DIR / name).stat().st_size > 0, name
    metrics = json.loads((CHECKPOINT_DIR / "metrics.json").read_text())
    nll = metrics["nll_per_event"]
    assert nll["music_transformer"] < min(nll["markov2_plain"], nll["markov2_transposed"])


def test_checkpoint_generates_valid_midi(tmp_path: Path) -> None:
    pretty_midi = pytest.importorskip("pretty_midi")
    from engine.music.compose import compose, write_arrangement
    from engine.music.style import style_for

    arrangement = compose(style_for("sad"), 6.0, seed=3)
    assert arrangement.melody and arrangement.bass
    path = tmp_path / "x.mid"
    write_arrangement(arrangement, path)
    pm = pretty_midi.PrettyMIDI(str(path))
    assert [i.program for i in pm.instruments] == [42, 48, 43]
    assert 4.0 <= pm.get_end_time() <= 7.0
    assert all(0 <= n.pitch < 128 and n.end > n.start for i in pm.instruments for n in i.notes)


@pytest.mark.skipif(not TIMGM.exists(), reason="timgm6mb-soundfont not installed")
def test_score_writes_midi_and_rendered_wav(tmp_path: Path, monkeypatch) -> None:
    from engine.music import score
    from engine.progress import null_reporter
    from engine.story import Scene, Story

    monkeypatch.setenv("DIGITELLER_SOUNDFONT", str(TIMGM))
    story = Story(
        prompt="p",
        lang="en",
        genre="horror",
        mood="🙀 <b>нечто</b>",
        seed=7,
        scenes=[Scene(0, "a", mood="scary"), Scene(1, "b", mood="tense"), Scene(2, "c", mood="scary")],
    )
    score(story, tmp_path, 6.0, null_reporter("music"))
    assert story.midi == "music/score.mid" and story.music == "music/score.wav"
    assert "music-transformer (ours" in story.backends["music"] and "TimGM6mb" in story.backends["music"]
    with wave.open(str(tmp_path / story.music)) as f:
        seconds = f.getnframes() / f.getframerate()
        frames = f.readframes(f.getnframes())
    assert 6.0 <= seconds <= 8.0
    assert (
        max(abs(int.from_bytes(frames[i : i + 2], "little", signed=True)) for i in range(0, len(frames), 200))
        > 1000
    )
    assert "scary" in story.notes[-1]
