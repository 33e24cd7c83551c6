"""Super-resolution block: Real-ESRGAN on ncnn (CPU or Vulkan GPU) or PyTorch (official .pth).

Public API (light to import; numpy/PIL only, ncnn and torch load when a backend is built):
``get_upscaler``, ``fit_frames``, ``upscale_asset``, ``doctor``, ``ensure_assets``, ``MODELS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.upscale.assets import ensure_assets
from engine.upscale.frames import HEADROOM, fit_frames, frame_size, upscale_asset
from engine.upscale.models import DEFAULT_MODEL, MODELS, ModelInfo
from engine.upscale.registry import BACKENDS, get_upscaler
from engine.upscale.status import doctor
from engine.upscale.upscaler import Upscaler

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = [
    "BACKENDS",
    "FrameFitter",
    "DEFAULT_MODEL",
    "HEADROOM",
    "MODELS",
    "ModelInfo",
    "Upscaler",
    "doctor",
    "ensure_assets",
    "fit_frames",
    "frame_size",
    "get_upscaler",
    "upscale_asset",
]


class FrameFitter:
    """The upscale block's entry for the pipeline (engine.blocks): ``model`` names the Real-ESRGAN model."""

    def __init__(self, model: str = "auto") -> None:
        self.name = model

    def fit_frames(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        fit_frames(story, folder, size, report, model=self.name)
