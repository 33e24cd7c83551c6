"""The upscale block's backend shape: the ``UpscaleBackend`` Protocol the block's callers use, and
``Upscaler``, the backend-independent part both backends share (scale planning, colour modes,
alpha, tiling, locking).

A backend subclasses ``Upscaler`` and provides only ``_infer(chw, native_scale)``: one network call
on a float32 (3, h, w) array in 0..1. Everything else (which native models to chain for a requested
scale, the exact output size, transparency, tiles, progress) lives here once, so the ncnn and
PyTorch backends behave alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np
from PIL import Image

from engine.upscale.alpha import ALPHA_MODES, bleed_colours, has_alpha
from engine.upscale.models import ModelInfo
from engine.upscale.tiling import run_tiled

Progress = Callable[[float], None]

MAX_SCALE = 16


def plan_passes(native: tuple[int, ...], scale: int) -> list[int]:
    """Which native model scales to chain for ``scale``: the fewest passes, each as small as suffices.

    x3 with (2, 3, 4) → [3]; x6 with (4,) → [4, 4] (then resampled down to exactly x6); x1 → [].
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, not {scale}")
    passes: list[int] = []
    reached = 1
    while reached < scale:
        need = scale / reached
        fitting = [s for s in sorted(native) if s >= need]
        step = fitting[0] if fitting else max(native)
        passes.append(step)
        reached *= step
    return passes


class UpscaleBackend(Protocol):
    """What callers of the upscale block rely on (``get_upscaler`` / ``get_backend`` return one)."""

    name: str
    model: str
    scale: int

    def load(self) -> None: ...

    def device(self) -> str: ...

    def describe(self) -> str: ...

    def upscale(
        self, img: Image.Image, scale: int | None = None, progress: Progress | None = None
    ) -> Image.Image: ...


class Upscaler:
    """A Real-ESRGAN model on one backend, loaded once and reused (thread-safe)."""

    #: backend name, e.g. "ncnn" or "torch"
    name: str = "base"

    def __init__(self, info: ModelInfo, scales: tuple[int, ...], tile: int, alpha: str = "model") -> None:
        if alpha not in ALPHA_MODES:
            raise ValueError(f"alpha must be one of {ALPHA_MODES}, not {alpha!r}")
        self.info = info
        self.model = info.name
        self.scales = tuple(sorted(scales))
        self.scale = max(self.scales)  # native
        self.tile = tile
        self.tile_pad = info.tile_pad
        self.alpha = alpha
        self._lock = threading.Lock()

    # -- what a backend implements ---------------------------------------------------------------
    def _infer(self, chw: np.ndarray, native_scale: int) -> np.ndarray:
        raise NotImplementedError

    def load(self) -> None:
        """Load the weights now rather than on first use (surfaces a corrupt file early)."""

    def device(self) -> str:
        """Where it runs, for reports: "cpu, 2 threads", "Vulkan: <gpu name>", "cuda"."""
        raise NotImplementedError

    # -- public ----------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"{self.name} {self.model} ({self.device()})"

    def upscale(
        self, img: Image.Image, scale: int | None = None, progress: Progress | None = None
    ) -> Image.Image:
        """Return ``img`` enlarged exactly ``scale`` times (default: the native scale).

        The mode is kept: RGB stays RGB, L stays L, anything with transparency comes back RGBA
        (LA as LA). Scales the model lacks are reached by chaining passes and resampling to size.
        """
        scale = self.scale if scale is None else int(scale)
        if not 1 <= scale <= MAX_SCALE:
            raise ValueError(f"scale must be between 1 and {MAX_SCALE}, not {scale}")
        if img.width < 1 or img.height < 1:
            raise ValueError("the image is empty")
        target = (img.width * scale, img.height * scale)
        mode = img.mode
        if scale == 1:
            return img.copy()
        alpha_channel: np.ndarray | None = None
        had_alpha = has_alpha(img)
        if had_alpha:
            rgba = np.asarray(img.convert("RGBA"))
            alpha_channel = rgba[..., 3]
            rgb = bleed_colours(np.ascontiguousarray(rgba[..., :3]), alpha_channel)
            if alpha_channel.min() == 255:
                alpha_channel = None  # opaque after all: no need to grow it
        else:
            rgb = np.asarray(img.convert("RGB"))
        passes = plan_passes(self.scales, scale)
        alpha_by_model = alpha_channel is not None and self.alpha == "model"
        jobs = len(passes) * (2 if alpha_by_model else 1)
        step = [0]

        def sub_progress(fraction: float) -> None:
            if progress is not None:
                progress(min(1.0, (step[0] + fraction) / jobs))

        with self._lock:
            out_rgb = self._run_passes(rgb, passes, target, sub_progress, step)
            out_alpha: Image.Image | None = None
            if alpha_channel is not None:
                if alpha_by_model:
                    grey = np.repeat(alpha_channel[..., None], 3, axis=2)
                    grown = np.asarray(self._run_passes(grey, passes, target, sub_progress, step))
                    out_alpha = Image.fromarray(
                        np.rint(grown.astype(np.float32).mean(axis=2)).astype(np.uint8), "L"
                    )
                else:
                    out_alpha = Image.fromarray(alpha_channel, "L").resize(target, Image.Resampling.LANCZOS)
        return _restore_mode(out_rgb, out_alpha, mode, had_alpha)

    def _run_passes(
        self, rgb: np.ndarray, passes: list[int], target: tuple[int, int], progress: Progress, step: list[int]
    ) -> Image.Image:
        chw = np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / 255.0
        for native in passes:

            def infer(tile: np.ndarray, s: int = native) -> np.ndarray:
                return self._infer(tile, s)

            chw = run_tiled(chw, infer, native, self.tile, self.tile_pad, progress)
            np.clip(chw, 0.0, 1.0, out=chw)
            step[0] += 1
        chw *= 255.0  # in place: at x4 the float buffer is the largest thing in memory
        np.rint(chw, out=chw)
        out = Image.fromarray(np.ascontiguousarray(chw.astype(np.uint8).transpose(1, 2, 0)), "RGB")
        if out.size != target:  # chained passes overshoot (x6 = x4·x4 → down to x6)
            out = out.resize(target, Image.Resampling.LANCZOS)
        return out


def _restore_mode(rgb: Image.Image, alpha: Image.Image | None, mode: str, had_alpha: bool) -> Image.Image:
    """Give the enlarged picture back in the caller's kind of mode (grey stays grey, alpha stays)."""
    grey = mode in ("L", "LA", "1", "I", "I;16", "F")
    if had_alpha and alpha is None:  # transparency channel that was fully opaque
        alpha = Image.new("L", rgb.size, 255)
    if alpha is not None:
        return (
            Image.merge("LA", (rgb.convert("L"), alpha))
            if grey
            else Image.merge("RGBA", (*rgb.split(), alpha))
        )
    return rgb.convert("L") if grey else rgb
