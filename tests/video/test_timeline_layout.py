"""engine.video.timeline: scenes placed from the measured narration, pictures cut in the pauses."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from engine.story import Line, Scene, Story
from engine.video.timeline import (
    CROSSFADE,
    GAP,
    LEAD_IN,
    TAIL,
    crossfade_length,
    layout,
    picture_spans,
    total_duration,
    wav_duration,
)


def _silence(path: Path, seconds: float, rate: int = 22050) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path.name


def _story(tmp_path: Path, lengths: list[float]) -> Story:
    story = Story(prompt="p", lang="ru", genre="fable")
    for i, sec in enumerate(lengths):
        story.scenes.append(Scene(index=i, text=f"сцена {i}", audio=_silence(tmp_path / f"s{i}.wav", sec)))
    return story


def test_wav_duration_reads_the_header(tmp_path: Path) -> None:
    assert wav_duration(tmp_path / _silence(tmp_path / "a.wav", 2.5, rate=24000)) == pytest.approx(2.5)


def test_layout_places_scenes_after_each_other_with_pauses(tmp_path: Path) -> None:
    story = _story(tmp_path, [3.0, 5.5, 2.25])
    total = layout(story, tmp_path)
    s0, s1, s2 = story.scenes
    assert s0.start == pytest.approx(LEAD_IN)
    assert s0.end - s0.start == pytest.approx(3.0)
    assert s1.start == pytest.approx(s0.end + GAP)
    assert s1.end - s1.start == pytest.approx(5.5)
    assert s2.start == pytest.approx(s1.end + GAP)
    assert total == pytest.approx(s2.end + TAIL)
    assert total == pytest.approx(LEAD_IN + 3.0 + 5.5 + 2.25 + 2 * GAP + TAIL)
    assert total_duration(story) == pytest.approx(total)


def test_pictures_tile_the_video_and_cut_inside_the_pauses(tmp_path: Path) -> None:
    story = _story(tmp_path, [2.0, 4.0, 3.0])
    total = layout(story, tmp_path)
    spans = picture_spans(story, total)
    assert spans[0].start == 0.0 and spans[-1].end == pytest.approx(total)
    fade = crossfade_length(story, spans)
    assert 0 < fade <= min(CROSSFADE, GAP)
    for prev, nxt, left, right in zip(story.scenes, story.scenes[1:], spans, spans[1:], strict=False):
        assert left.end == right.start  # contiguous
        # the whole crossfade happens in silence: after one scene's last word, before the next's first
        assert prev.end <= left.end - fade / 2 + 1e-9 and left.end + fade / 2 <= nxt.start + 1e-9


def test_scene_without_audio_uses_line_timing_or_text_length(tmp_path: Path) -> None:
    story = Story(prompt="p", lang="en", genre="fable")
    story.scenes.append(Scene(index=0, text="x", lines=[Line("a", start=0.0, end=4.0)]))
    story.scenes.append(Scene(index=1, text="word " * 28))  # 140 chars ≈ 10 s at the fallback pace
    layout(story, tmp_path)
    assert story.scenes[0].end - story.scenes[0].start == pytest.approx(4.0)
    assert 8.0 < story.scenes[1].end - story.scenes[1].start < 12.0


def test_empty_story_has_no_duration(tmp_path: Path) -> None:
    assert layout(Story(prompt="p", lang="ru", genre="fable"), tmp_path) == 0.0
