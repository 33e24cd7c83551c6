"""The shipped checkpoint loads, stays small, follows its mode, and writes valid MIDI; score() renders
a real wav."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from engine.music import vocab
from engine.music.checkpoint import CHECKPOINT_DIR, checkpoint_file, load_model

TIMGM = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
pytestmark = pytest.mark.skipif(not checkpoint_file().exists(), reason="checkpoint not trained yet")


def test_checkpoint_is_committable_with_its_records() -> None:
    assert checkpoint_file().stat().st_size <= 20 * 1024 * 1024
    for name in ("config.json", "train.log", "metrics.json"):
        assert (CHECKPOINT_DIR / name).stat().st_size > 0, name
    metrics = json.loads((CHECKPOINT_DIR / "metrics.json").read_text())
    nll = dict(metrics["nll_per_event"])
    ours = nll.pop("music_transformer")
    assert len(nll) >= 3 and ours < min(nll.values())


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


def test_shipped_model_follows_the_mode() -> None:
    """The first checkpoint ignored its mode token; this one must not. For every tonic, the first
    (downbeat) note of a tune under "minor" must weigh the minor third above the tonic far above
    the major third, and under "major" the other way round."""
    torch = pytest.importorskip("torch")
    from engine.music.model import key_index

    model = load_model()
    assert model.cfg.conditioning
    ratios = {}
    for mode in vocab.MODES:
        downbeat = vocab.VELOCITY_BASE + vocab.velocity_bin(104)
        tokens = torch.tensor([[vocab.mode_token(mode), vocab.tempo_token("medium"), downbeat]] * 12)
        cond = torch.tensor([[key_index(t, mode), 1] for t in range(12)])
        with torch.no_grad():
            logits, _ = model(tokens, cond=cond)
        on = torch.softmax(logits[:, -1], dim=-1)[:, vocab.NOTE_ON_BASE : vocab.NOTE_OFF_BASE]
        pcs = torch.zeros(12, 12).index_add_(1, torch.arange(128) % 12, on)  # (tonic, pitch class)
        rel = torch.stack([pcs[t].roll(-t) / pcs[t].sum() for t in range(12)]).mean(0)  # above the tonic
        ratios[mode] = float(rel[3] / rel[4])  # minor third / major third
    assert ratios["minor"] > 3 > 1 / 3 > ratios["major"], ratios
    metrics = json.loads((CHECKPOINT_DIR / "metrics.json").read_text())
    assert metrics["nll_with_swapped_mode_token"] > metrics["nll_per_event"]["music_transformer"] + 0.05
    raw = metrics["generated"]["raw"]
    assert raw["minor_conditioned_analysed_minor_rate"] > 2 * raw["major_conditioned_analysed_minor_rate"]
