"""Cue changes land on the pauses heard in the narration, not just where the text length puts them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.story import Line, Scene, Story
from engine.video.subtitles import story_cues
from engine.video.sync import find_pauses, snap_boundaries


def _speech(path: Path, parts: list[tuple[str, float]]) -> Path:
    """A wav of tone ("speech") and silence stretches, e.g. [("tone", 1.0), ("pause", 0.5), ...]."""
    graph = []
    for i, (kind, seconds) in enumerate(parts):
        vol = 0.5 if kind == "tone" else 0.0
        graph.append(f"sine=frequency=220:sample_rate=24000:duration={seconds},volume={vol}[p{i}]")
    labels = "".join(f"[p{i}]" for i in range(len(parts)))
    graph.append(f"{labels}concat=n={len(parts)}:v=0:a=1[out]")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-filter_complex", ";".join(graph), "-map", "[out]", str(path)],
        check=True,
    )
    return path


def test_find_pauses_in_a_narration(tmp_path: Path) -> None:
    wav = _speech(
        tmp_path / "a.wav", [("tone", 1.0), ("pause", 0.5), ("tone", 2.0), ("pause", 0.1), ("tone", 1)]
    )
    pauses = find_pauses(wav)
    assert len(pauses) == 1  # the 0.1 s gap is too short to be a pause
    start, end = pauses[0]
    assert start == pytest.approx(1.0, abs=0.05) and end == pytest.approx(1.5, abs=0.05)


def test_snap_prefers_a_long_pause_and_keeps_order() -> None:
    bounds = [0.0, 3.4, 4.5]
    assert snap_boundaries(bounds, [(1.0, 1.5), (3.2, 3.4)]) == [0.0, 1.5, 4.5]  # sentence over comma
    assert snap_boundaries(bounds, []) == bounds
    assert snap_boundaries([0.0, 1.0, 1.5], [(1.2, 1.4)]) == [0.0, 1.0, 1.5]  # would leave a cue < MIN_CUE


def test_story_cues_follow_the_voice(tmp_path: Path) -> None:
    # a long first sentence read fast (1 s), a pause, then a short one read slowly (3 s)
    _speech(tmp_path / "s.wav", [("tone", 1.0), ("pause", 0.5), ("tone", 3.0)])
    text = "Первая фраза довольно длинная по количеству букв, правда. Вторая короче."
    story = Story(prompt="p", lang="ru", genre="fable")
    story.scenes.append(
        Scene(index=0, text=text, audio="s.wav", lines=[Line(text, start=0.0, end=4.5)], start=2.0, end=6.5)
    )
    by_length = story_cues(story)
    by_voice = story_cues(story, folder=tmp_path)
    assert len(by_voice) == 2 and by_voice[0].text.endswith("правда.")
    assert by_length[1].start > 4.5  # text length alone puts the change late
    assert by_voice[1].start == pytest.approx(2.0 + 1.5, abs=0.05)  # the voice resumes at 1.5 s
    assert by_voice[0].start == 2.0 and by_voice[-1].end == 6.5
