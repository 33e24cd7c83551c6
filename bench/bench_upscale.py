"""Throughput of each Real-ESRGAN model on this machine: megapixels of *output* per second.

One timed run per model after one untimed warm-up on a tiny image (ncnn picks and packs its kernels
on first use), so the figure is steady-state speed, not load time; load time is shown apart.
Inputs: a 256×256 picture for realesr-animevideov3 (the size VQGAN/BigGAN frames come in) and
96×96 for the RRDBNet models (x4plus runs ~100× slower; 96×96 keeps the run under a minute).
The machine may be shared: run it with ``nice -n 10`` and read MP/s as a lower bound. "MP/cpu-s"
divides by the CPU time the process really got, which contention does not shrink: with one ncnn
thread it approximates the rate of one idle core.

    python bench/bench_upscale.py [--models a,b] [--tile 256] [--backend ncnn]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image, ImageDraw

from engine.device import cpu_threads
from engine.upscale import MODELS, get_upscaler

#: (model, scale, input side)
CASES = [
    ("realesr-animevideov3", 2, 256),
    ("realesr-animevideov3", 3, 256),
    ("realesr-animevideov3", 4, 256),
    ("realesrgan-x4plus-anime", 4, 96),
    ("realesrgan-x4plus", 4, 96),
]


def test_picture(side: int) -> Image.Image:
    """Gradients, discs and thin lines, deterministic."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:side, 0:side].astype(np.float32)
    base = np.stack([x / side * 220, y / side * 200 + 30, (x * y) % 255], axis=-1)
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        cx, cy, r = (int(v) for v in rng.integers(0, side, 3))
        draw.ellipse(
            (cx - r // 4, cy - r // 4, cx + r // 4, cy + r // 4), fill=tuple(rng.integers(0, 255, 3))
        )
    return img


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", help=f"comma-separated subset of: {', '.join(MODELS)}")
    parser.add_argument("--backend", default="ncnn")
    parser.add_argument("--tile", type=int, default=None, help="tile side (default: the backend's)")
    parser.add_argument(
        "--frames",
        type=int,
        default=0,
        help="also time fit_frames on N scenes of 256x256 (VQGAN-sized) for a 1280x720 video",
    )
    args = parser.parse_args(argv)
    wanted = set(args.models.split(",")) if args.models else set(MODELS)
    load_avg = os.getloadavg()[0]
    print(f"# {cpu_threads()} cores usable, load average {load_avg:.1f} at start, backend {args.backend}")
    header = f"{'model':<24} {'scale':>5} {'input':>9} {'output':>11} {'load s':>7} {'run s':>7}"
    # RSS max: the process's peak so far (models stay loaded)
    header += f" {'MP/s out':>9} {'MP/cpu-s':>9} {'RSS max MB':>11}"
    print(header)
    print("-" * len(header))
    for model, scale, side in CASES:
        if model not in wanted:
            continue
        started = time.perf_counter()
        up = get_upscaler(model, args.backend, tile=args.tile)
        load = time.perf_counter() - started
        up.upscale(test_picture(16), scale)  # warm-up, untimed
        img = test_picture(side)
        started, cpu_started = time.perf_counter(), time.process_time()
        out = up.upscale(img, scale)
        run, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        mp = out.width * out.height / 1e6
        print(
            f"{model:<24} {'x' + str(scale):>5} {f'{side}x{side}':>9} {f'{out.width}x{out.height}':>11} "
            f"{load:7.2f} {run:7.2f} {mp / run:9.3f} {mp / cpu:9.3f} {peak_rss_mb():11.0f}",
            flush=True,
        )
    print(f"# device: {up.device()}; load average {os.getloadavg()[0]:.1f} at end")
    if args.frames:
        bench_fit_frames(args.frames)
    return 0


def bench_fit_frames(count: int) -> None:
    """The stage as the pipeline runs it: crop, upscale with the default model, fit to 1472x828."""
    import tempfile

    from engine.progress import null_reporter
    from engine.story import Scene, Story
    from engine.upscale import fit_frames

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenes = []
        for i in range(1, count + 1):
            test_picture(256).save(folder / f"s{i}.png")
            scenes.append(Scene(index=i, text="", image=f"s{i}.png"))
        story = Story(prompt="", lang="en", genre="fable", scenes=scenes)
        started = time.perf_counter()
        fit_frames(story, folder, (1280, 720), null_reporter("upscale"))
        seconds = time.perf_counter() - started
    print(
        f"# fit_frames: {count} scenes 256x256 -> 1472x828 in {seconds:.1f} s ({seconds / count:.2f} s/frame)"
    )
    print(f"#   {story.backends['upscale']}")


if __name__ == "__main__":
    sys.exit(main())
