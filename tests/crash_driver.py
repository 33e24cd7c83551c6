"""Test driver for the crash-safety tests: ``engine.pipeline.run_story`` with fast fake text, speech,
images and upscale blocks but the REAL video assembly (ffmpeg), run as its own process so a test can
SIGKILL it in the middle of a stage, exactly as an OOM kill or a deploy would.

    python tests/crash_driver.py FOLDER [--scenes N] [--seconds S] [--size WxH] [--slow-speech S]

* text: N scenes of Russian text (no model);
* speech: a tone per scene made by an ffmpeg child; with ``--slow-speech S`` that child is
  ``ffmpeg -re`` and takes S seconds of wall time, writing into the story folder (an attempt file),
  so a test can kill the engine while a narration child is alive;
* images/upscale: solid frames drawn with Pillow;
* video: ``engine.video.assembly.assemble`` at ``--size`` (the real encode, the real check).

Prints ``ok <json of story.video>`` and exits 0; exits 3 printing ``busy: ...`` on FolderBusy.
Test-only: production code never learns of these fakes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's engine, not an installed one

from engine import pipeline
from engine.blocks import Blocks
from engine.errors import FolderBusy
from engine.story import Line, Scene, Story, StoryRequest

RATE = 24000
COLOURS = [(180, 40, 40), (40, 150, 60), (40, 60, 170), (160, 140, 30), (120, 40, 140)]
TEXT = "Жил-был маленький дракон, который боялся темноты, и каждый вечер он зажигал фонарик у реки."


class FakeWriter:
    name = "fake"

    def __init__(self, scenes: int, seconds: float) -> None:
        self.scenes, self.seconds = scenes, seconds

    def write(self, request: StoryRequest, report, *, chars_per_second: float) -> Story:
        report(0.5, "fake text")
        scenes = [
            Scene(index=i, text=TEXT, lines=[Line(TEXT, start=0.0, end=self.seconds)])
            for i in range(self.scenes)
        ]
        return Story(
            prompt=request.prompt, lang="ru", genre="fairy_tale", title="Краш-тест", text=TEXT, scenes=scenes
        )


class FakeNarrator:
    """A tone per scene through the speech block's real wav writer; with ``slow`` seconds, made by an
    ``ffmpeg -re`` child writing an attempt file in the story folder (so a kill finds a child)."""

    def __init__(self, seconds: float, slow: float) -> None:
        self.seconds, self.slow = seconds, slow

    def chars_per_second(self, voice: str | None, lang: str) -> float:
        return 15.0

    def narrate(self, story: Story, folder: Path, report, voice: str | None = None) -> None:
        from engine.folder import attempt
        from engine.proc import run
        from engine.speech.audio import read_wav, write_wav

        story.voice = voice or "fake:tone"
        for i, scene in enumerate(story.scenes):
            wav = folder / "speech" / f"scene_{scene.index:02d}.wav"
            tone = f"sine=frequency={220 + 40 * i}:sample_rate={RATE}:duration={self.slow or self.seconds}"
            with attempt(wav) as tmp:
                run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *(["-re"] if self.slow else []),
                     "-f", "lavfi", "-i", tone, "-ac", "1", "-y", "file:" + str(tmp)],
                    stage="speech", cancel=report.cancel)  # fmt: skip
            samples, _ = read_wav(wav)
            write_wav(wav, np.resize(samples, int(self.seconds * RATE)))
            scene.audio = wav.relative_to(folder).as_posix()
            scene.lines[0].audio = scene.audio
            report((i + 1) / len(story.scenes), f"scene {i + 1}")


class NoMusic:
    def score(self, story: Story, folder: Path, duration: float, report) -> None:
        raise AssertionError("the driver asks for no music")


class SolidFrames:
    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size

    def illustrate(self, story: Story, folder: Path, size: tuple[int, int], report) -> None:
        out = folder / "images"
        out.mkdir(parents=True, exist_ok=True)
        w, h = self.size
        for i, scene in enumerate(story.scenes):
            img = Image.new("RGB", self.size, COLOURS[i % len(COLOURS)])
            img.paste((230, 230, 230), (w // 3, h // 3, w // 2, h // 2))
            path = out / f"scene_{scene.index:02d}.png"
            img.save(path)
            scene.image = path.relative_to(folder).as_posix()

    def fit_frames(self, story: Story, folder: Path, size: tuple[int, int], report) -> None:
        for scene in story.scenes:
            scene.frame = scene.image


class SmallVideo:
    """The real video block (layout, cards, the ffmpeg encode and its check) at a small frame size."""

    def __init__(self, size: tuple[int, int]) -> None:
        from engine.video import Assembler

        self.real, self.size = Assembler(), size

    def layout(self, story: Story, folder: Path) -> float:
        return self.real.layout(story, folder)

    def draw_cards(self, story: Story, folder: Path, size: tuple[int, int], report) -> None:
        self.real.draw_cards(story, folder, self.size, report)

    def assemble(self, story: Story, folder: Path, out_path: Path, report) -> dict:
        from engine.video import assemble

        return assemble(story, folder, out_path, report, size=self.size)


def build_blocks(scenes: int, seconds: float, size: tuple[int, int], slow_speech: float) -> Blocks:
    frames = SolidFrames(size)
    return Blocks(
        text=FakeWriter(scenes, seconds),
        speech=FakeNarrator(seconds, slow_speech),
        music=NoMusic(),
        images=frames,
        upscale=frames,
        video=SmallVideo(size),
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="narration seconds per scene")
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--slow-speech", type=float, default=0.0)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    blocks = build_blocks(args.scenes, args.seconds, (width, height), args.slow_speech)
    request = StoryRequest("Жил-был маленький дракон", music=False, duration=args.scenes * args.seconds)
    try:
        story = pipeline.run_story(request, args.folder, blocks=blocks)
    except FolderBusy as exc:
        print(f"busy: {exc}", flush=True)
        return 3
    print("ok " + json.dumps(story.video, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
