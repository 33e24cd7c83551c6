"""Test driver for the crash-safety tests: ``engine.pipeline.run_story`` with fast fake text, speech,
images and upscale blocks but the REAL video assembly (ffmpeg), run as its own process so a test can
SIGKILL it in the middle of a stage, exactly as an OOM kill or a deploy would.

    python tests/crash_driver.py FOLDER [--scenes N] [--seconds S] [--size WxH] [--slow-speech S]

* text: N scenes of Russian text (no model);
* speech: a tone per scene. With ``--slow-speech S`` each scene's wav is made by an ``ffmpeg -re``
  child that takes S seconds of wall time and writes into the story folder (an attempt file), so a
  test can kill the engine while a narration child is alive;
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
from types import SimpleNamespace

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's engine, not an installed one

from engine import pipeline
from engine.errors import FolderBusy
from engine.story import Line, Scene, Story, StoryRequest

RATE = 24000
COLOURS = [(180, 40, 40), (40, 150, 60), (40, 60, 170), (160, 140, 30), (120, 40, 140)]
TEXT = "Жил-был маленький дракон, который боялся темноты, и каждый вечер он зажигал фонарик у реки."


def build_fakes(scenes: int, seconds: float, size: tuple[int, int], slow_speech: float):
    from engine.speech.audio import read_wav, write_wav
    from engine.timeline import layout
    from engine.video.assembly import assemble

    def write_story(request: StoryRequest, report) -> Story:
        report(0.5, "fake text")
        return Story(
            prompt=request.prompt, lang="ru", genre="fairy_tale", title="Краш-тест", text=TEXT,
            scenes=[Scene(index=i, text=TEXT, lines=[Line(TEXT, start=0.0, end=seconds)]) for i in range(scenes)],
        )  # fmt: skip

    def narrate(story: Story, folder: Path, report, voice: str | None = None) -> None:
        story.voice = voice or "fake:tone"
        for i, scene in enumerate(story.scenes):
            wav = folder / "speech" / f"scene_{scene.index:02d}.wav"
            if slow_speech > 0:  # a child that takes real time and writes into the folder
                from engine.folder import attempt
                from engine.proc import run

                with attempt(wav) as tmp:
                    run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
                         f"sine=frequency={220 + 40 * i}:sample_rate={RATE}:duration={slow_speech}",
                         "-ac", "1", "-y", "file:" + str(tmp)], stage="speech", cancel=report.cancel)  # fmt: skip
                samples, _ = read_wav(wav)
                samples = np.resize(samples, int(seconds * RATE))
            else:
                t = np.arange(int(seconds * RATE)) / RATE
                samples = 0.3 * np.sin(2 * np.pi * (220 + 40 * i) * t)
            write_wav(wav, samples)
            scene.audio = wav.relative_to(folder).as_posix()
            scene.lines[0].audio = scene.audio
            report((i + 1) / len(story.scenes), f"scene {i + 1}")

    def illustrate(story: Story, folder: Path, size_: tuple[int, int], report, backend: str = "auto") -> None:
        out = folder / "images"
        out.mkdir(parents=True, exist_ok=True)
        for i, scene in enumerate(story.scenes):
            img = Image.new("RGB", size, COLOURS[i % len(COLOURS)])
            img.paste((230, 230, 230), (size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2))
            path = out / f"scene_{scene.index:02d}.png"
            img.save(path)
            scene.image = path.relative_to(folder).as_posix()

    def fit_frames(story: Story, folder: Path, size_: tuple[int, int], report, model: str = "auto") -> None:
        for scene in story.scenes:
            scene.frame = scene.image

    def assemble_small(story: Story, folder: Path, out_path: Path, report) -> dict:
        return assemble(story, folder, out_path, report, size=size)

    return {
        "text": SimpleNamespace(write_story=write_story),
        "speech": SimpleNamespace(narrate=narrate),
        "timeline": SimpleNamespace(layout=layout),
        "images": SimpleNamespace(illustrate=illustrate),
        "upscale": SimpleNamespace(fit_frames=fit_frames),
        "video": SimpleNamespace(assemble=assemble_small),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="narration seconds per scene")
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--slow-speech", type=float, default=0.0)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    fakes = build_fakes(args.scenes, args.seconds, (width, height), args.slow_speech)
    pipeline._block = fakes.__getitem__  # type: ignore[assignment]  # this process only
    request = StoryRequest("Жил-был маленький дракон", music=False, duration=args.scenes * args.seconds)
    try:
        story = pipeline.run_story(request, args.folder)
    except FolderBusy as exc:
        print(f"busy: {exc}", flush=True)
        return 3
    print("ok " + json.dumps(story.video, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
