"""Super-resolution block: Real-ESRGAN on ncnn (CPU or Vulkan GPU) or PyTorch (official .pth).

Public API (light to import; numpy/PIL only, ncnn and torch load when a backend is built):
``get_upscaler``, ``fit_frames``, ``upscale_asset``, ``doctor``, ``ensure_assets``, ``MODELS``.
"""

from __future__ import annotations

from engine.upscale.assets import ensure_assets
from engine.upscale.frames import HEADROOM, fit_frames, frame_size, upscale_asset
from engine.upscale.models import DEFAULT_MODEL, MODELS, ModelInfo
from engine.upscale.registry import BACKENDS, get_upscaler
from engine.upscale.status import doctor
from engine.upscale.upscaler import Upscaler

__all__ = [
    "BACKENDS",
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
