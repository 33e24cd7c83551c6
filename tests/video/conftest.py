"""Fixtures for the video tests: stories with real wavs (test tones) and solid-colour frames, made
here with ffmpeg / Pillow so the tests need no other block."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from engine.story import Line, Scene, Story
from engine.video.timeline import layout


def make_tone(
    path: Path,
    seconds: float,
    freq: float = 300.0,
    rate: int = 24000,
    silence_after: float = 0.0,
    channels: int = 1,
    volume: float = 0.5,
) -> Path:
    """A sine wav (optionally followed by silence), like a TTS wav: mono 24 kHz s16."""
    graph = f"sine=frequency={freq}:sample_rate={rate}:duration={seconds},volume={volume}"
    if silence_after:
        graph += f",apad=pad_dur={silence_after}"
    codec = ["-ac", str(channels), "-c:a", "pcm_s16le"]
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        graph,
        *codec,
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


def make_frame(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (640, 360)) -> Path:
    """A solid frame with a lighter square, so motion is visible if anyone looks."""
    img = Image.new("RGB", size, colour)
    w, h = size
    img.paste(tuple(min(255, c + 90) for c in colour), (w // 3, h // 3, w // 2, h // 2))
    img.save(path)
    return path


StoryFactory = Callable[..., Story]


@pytest.fixture
def story_factory(tmp_path: Path) -> StoryFactory:
    """Build a laid-out story in tmp_path: one tone wav and one frame per scene text."""

    def build(
        texts: list[str],
        folder: Path | None = None,
        seconds: float = 1.2,
        aspect: str = "16:9",
        music: bool = False,
        silence_after: float = 0.0,
        title: str = "Тест",
    ) -> Story:
        colours = [(180, 40, 40), (40, 150, 60), (40, 60, 170), (160, 140, 30), (120, 40, 140)]
        root = folder or tmp_path
        root.mkdir(parents=True, exist_ok=True)
        story = Story(prompt="p", lang="ru", genre="fairy_tale", title=title, aspect=aspect, seed=1)
        for i, text in enumerate(texts):
            wav = make_tone(root / f"scene_{i}.wav", seconds, silence_after=silence_after)
            frame = make_frame(root / f"frame_{i}.png", colours[i % len(colours)])
            line = Line(text=text, audio=wav.name, start=0.0, end=seconds)
            story.scenes.append(
                Scene(index=i, text=text, lines=[line], audio=wav.name, frame=frame.name, image=frame.name)
            )
        if music:
            total_guess = len(texts) * (seconds + silence_after + 1) + 3
            make_tone(root / "music.wav", total_guess, freq=1000.0, rate=44100, channels=2, volume=0.3)
            story.music = "music.wav"
        layout(story, root)
        return story

    return build
