"""Measure assembly speed: CPU seconds and wall seconds per second of video, for the chosen settings
and the alternatives (supersampling factor, x264 preset, frame rate, scale+crop instead of zoompan).

    python -m engine.video.bench [--scenes 3] [--seconds 8] [--variants default,ss1,faster,...]

CPU time (user+sys of the ffmpeg children) is the figure to compare on a shared machine: wall time
depends on what else runs. On an idle 2-core machine wall ≈ CPU / 2 for x264.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.proc import run_plain  # children die with the engine (crash safety)
from engine.progress import null_reporter
from engine.story import Line, Scene, Story
from engine.video import assembly as assemble_mod
from engine.video import kenburns
from engine.video.media import probe
from engine.video.timeline import layout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scale_crop_chain(
    input_label: str, motion: kenburns.Motion, frames: int, size: tuple[int, int], fps: int
) -> str:
    """The alternative to zoompan: repeat the frame, then per-frame scale (eval=frame) and crop."""
    w, h = size
    last = max(1, frames - 1)
    p = f"(n/{last})"
    z = f"({motion.z0}+{motion.z1 - motion.z0}*{p})"
    fx = f"({motion.fx0}+{motion.fx1 - motion.fx0}*{p})"
    fy = f"({motion.fy0}+{motion.fy1 - motion.fy0}*{p})"
    return (
        f"{input_label}scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,"
        f"loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB,"
        f"scale=w=trunc({w}*{z}/2)*2:h=trunc({h}*{z}/2)*2:eval=frame,"
        f"crop={w}:{h}:(iw-{w})*{fx}:(ih-{h})*{fy},format=yuv420p"
    )


@contextmanager
def _variant(name: str) -> Iterator[None]:
    """Temporarily change one knob of the assembler."""
    saved = (kenburns.SUPERSAMPLE, assemble_mod.PRESET, assemble_mod.FPS, kenburns.scene_chain)
    knobs: dict[str, Callable[[], None]] = {
        "default": lambda: None,
        "ss1": lambda: setattr(kenburns, "SUPERSAMPLE", 1),
        "ss1.5": lambda: setattr(kenburns, "SUPERSAMPLE", 1.5),
        "ss3": lambda: setattr(kenburns, "SUPERSAMPLE", 3),
        "fps20": lambda: setattr(assemble_mod, "FPS", 20),
        "fps30": lambda: setattr(assemble_mod, "FPS", 30),
        "superfast": lambda: setattr(assemble_mod, "PRESET", "superfast"),
        "ultrafast": lambda: setattr(assemble_mod, "PRESET", "ultrafast"),
        "faster": lambda: setattr(assemble_mod, "PRESET", "faster"),
        "scalecrop": lambda: setattr(kenburns, "scene_chain", _scale_crop_chain),
    }
    knobs[name]()
    try:
        yield
    finally:
        kenburns.SUPERSAMPLE, assemble_mod.PRESET, assemble_mod.FPS, kenburns.scene_chain = saved


def _material(folder: Path, scenes: int, seconds: float) -> Story:
    """Detailed stills (harder to encode than cards) and tone narrations, made by ffmpeg."""
    sources = [
        "mandelbrot=s=1280x720:maxiter=300",
        "testsrc2=s=1280x720",
        "gradients=s=1280x720:n=5",
        "cellauto=s=1280x720:rule=110",
    ]
    story = Story(prompt="bench", lang="ru", genre="fairy_tale", title="Бенчмарк", seed=3)
    for i in range(scenes):
        img, wav = folder / f"f{i}.png", folder / f"s{i}.wav"
        run_plain(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                sources[i % len(sources)],
                "-frames:v",
                "1",
                str(img),
            ],
            check=True,
        )
        run_plain(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={220 + 40 * i}:sample_rate=24000:duration={seconds}",
                str(wav),
            ],
            check=True,
        )
        text = "Жил-был дракон, и каждое утро он пел песни над рекой, а рыбы слушали его и молчали. " * 2
        story.scenes.append(
            Scene(
                index=i, text=text, audio=wav.name, frame=img.name, lines=[Line(text, start=0.0, end=seconds)]
            )
        )
    layout(story, folder)
    return story


def _frame_shift(a, b) -> float:
    """Horizontal shift (px, sub-pixel) between two grey frames, by phase correlation."""
    import numpy as np

    fa, fb = np.fft.fft2(a - a.mean()), np.fft.fft2(b - b.mean())
    cross = fa * np.conj(fb)
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    iy, ix = np.unravel_index(np.argmax(corr), corr.shape)
    row, n = corr[iy], corr.shape[1]
    left, mid, right = row[(ix - 1) % n], row[ix], row[(ix + 1) % n]
    curve = left - 2 * mid + right
    frac = (left - right) / (2 * curve) if curve else 0.0
    return float((ix + frac + n / 2) % n - n / 2)


def smoothness(folder: Path, frames: int = 100) -> None:
    """How evenly a pan moves at each supersampling factor: mean |change of per-frame step| (px).
    A perfect linear pan scores ~0 (the easing adds a little); whole-pixel judder scores ~1-2."""
    import numpy as np

    size = (1280, 720)
    still = folder / "f0.png"
    for factor in (1, 1.5, 2, 3):
        saved = kenburns.SUPERSAMPLE
        kenburns.SUPERSAMPLE = factor
        chain = kenburns.scene_chain("[0:v]", kenburns.MOTIONS[1], frames, size, 25) + ",format=gray[o]"
        kenburns.SUPERSAMPLE = saved
        raw = run_plain(
            [
                "ffmpeg",
                "-v",
                "error",
                "-i",
                str(still),
                "-filter_complex",
                chain,
                "-map",
                "[o]",
                "-f",
                "rawvideo",
                "-",
            ],
            check=True,
        ).stdout
        video = (
            np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0]).astype(np.float32)[:, 200:520, 300:980]
        )
        steps = np.array([_frame_shift(video[i + 1], video[i]) for i in range(len(video) - 1)])
        print(f"pan judder at supersample {factor}: {np.abs(np.diff(steps)).mean():.3f} px/frame", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--variants", default="default,ss1,scalecrop,fps20,superfast,faster,ultrafast")
    parser.add_argument("--aspect", default="16:9", choices=["16:9", "9:16", "1:1"])
    parser.add_argument("--smoothness", action="store_true", help="measure pan judder per supersampling")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dt-bench-") as tmp:
        folder = Path(tmp)
        story = _material(folder, args.scenes, args.seconds)
        story.aspect = args.aspect
        if args.smoothness:
            smoothness(folder)
        head = ("variant", "video s", "cpu s", "wall s", "cpu/video", "wall/video", "MB/min")
        print(f"{head[0]:<11} " + " ".join(f"{h:>10}" for h in head[1:]))
        for name in args.variants.split(","):
            with _variant(name):
                cpu0, wall0 = _children_cpu(), time.monotonic()
                out = folder / f"{name}.mp4"
                assemble_mod.assemble(story, folder, out, null_reporter("video"))
                cpu, wall = _children_cpu() - cpu0, time.monotonic() - wall0
            info = probe(out)
            dur = info.duration
            mb_min = info.size_bytes / 1e6 / (dur / 60)
            row = (dur, cpu, wall, cpu / dur, wall / dur, mb_min)
            print(f"{name:<11} " + " ".join(f"{v:>10.2f}" for v in row), flush=True)


if __name__ == "__main__":
    main()
