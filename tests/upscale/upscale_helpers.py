"""Helpers of the upscale tests: deterministic pictures, a fake network, the ncnn skip marker."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from engine.upscale.base import Upscaler
from engine.upscale.models import MODELS, available_ncnn_scales


def picture(width: int, height: int, seed: int = 0) -> Image.Image:
    """A small picture with what super-resolution cares about: gradients, hard edges, fine lines."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [x / max(width - 1, 1) * 200 + 30, y / max(height - 1, 1) * 180 + 40, (x + y) % 97 + 80], axis=-1
    )
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(min(40, max(2, width * height // 600))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(2, max(3, min(width, height) // 4)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=colour, outline=(0, 0, 0))
    for i in range(0, width, 9):
        draw.line((i, 0, i + height // 2, height), fill=(250, 250, 250), width=1)
    return img


def smooth_picture(width: int, height: int) -> Image.Image:
    """Gradients and a few large flat shapes: what a model should reproduce closely when shrunk back."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / (width - 1) * 200 + 30, y / (height - 1) * 180 + 40, 120 + 0 * x], axis=-1)
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    draw.ellipse((2, 2, width // 2, height - 3), fill=(220, 40, 40))
    draw.rectangle((width // 2 + 2, 3, width - 3, height // 2), fill=(30, 60, 210))
    return img


class FakeUpscaler(Upscaler):
    """Nearest-neighbour "network" with native scales 2 and 4; counts calls so tests can see skips."""

    name = "fake"

    def __init__(self, scales: tuple[int, ...] = (2, 4), tile: int = 0) -> None:
        super().__init__(MODELS["realesr-animevideov3"], scales, tile)
        self.calls: list[tuple[tuple[int, ...], int]] = []

    def device(self) -> str:
        return "test"

    def _infer(self, chw: np.ndarray, native_scale: int) -> np.ndarray:
        self.calls.append((chw.shape, native_scale))
        return chw.repeat(native_scale, axis=1).repeat(native_scale, axis=2)


def ncnn_ready() -> bool:
    try:
        import ncnn  # noqa: F401
    except ImportError:
        return False
    return bool(available_ncnn_scales(MODELS["realesr-animevideov3"]))


needs_ncnn = pytest.mark.skipif(
    not ncnn_ready(), reason="ncnn or the Real-ESRGAN ncnn model files not installed"
)
