"""Super-resolution block: Real-ESRGAN on ncnn (CPU or Vulkan GPU) or PyTorch (official .pth).

Module map: ``base`` (the ``UpscaleBackend`` Protocol and the shared ``Upscaler``: scale plans,
alpha, tiling), ``backends/`` (``ncnn``, ``torch``; the registry ``get_upscaler``/``get_backend``,
``BACKENDS``, ``doctor``), ``nets/`` (RRDBNet, SRVGGNetCompact in plain PyTorch), ``models``
(the model table and where their files are), ``frames`` (scene pictures → video frames, what the
pipeline calls), ``alpha``, ``tiling``, ``ncnn_weights`` (ncnn → .pth), ``assets``, ``cli``.

Public API (light to import; numpy/PIL only, ncnn and torch load when a backend is built):
``FrameFitter`` (the pipeline's entry), ``get_upscaler``, ``fit_frames``, ``upscale_asset``,
``doctor``, ``ensure_assets``, ``MODELS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.upscale.assets import ensure_assets
from engine.upscale.backends import BACKENDS, doctor, get_backend, get_upscaler
from engine.upscale.base import UpscaleBackend, Upscaler
from engine.upscale.frames import HEADROOM, fit_frames, frame_size, upscale_asset
from engine.upscale.models import DEFAULT_MODEL, MODELS, ModelInfo

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = [
    "BACKENDS",
    "DEFAULT_MODEL",
    "HEADROOM",
    "MODELS",
    "FrameFitter",
    "ModelInfo",
    "UpscaleBackend",
    "Upscaler",
    "doctor",
    "ensure_assets",
    "fit_frames",
    "frame_size",
    "get_backend",
    "get_upscaler",
    "upscale_asset",
]


class FrameFitter:
    """The upscale block's entry for the pipeline (engine.blocks): ``model`` names the Real-ESRGAN model."""

    def __init__(self, model: str = "auto") -> None:
        self.name = model

    def fit_frames(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        fit_frames(story, folder, size, report, model=self.name)
