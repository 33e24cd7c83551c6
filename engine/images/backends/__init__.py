"""The images block's backends, by name: one registry, no string dispatch on module paths.

``BACKENDS`` are the backend folders (what ``python -m engine doctor`` groups by); ``CHOICES`` are the
names ``--image-backend`` takes (the CLIP-guided folder holds two generators, the diffusion one a
preset per model), plus ``diffusers:PATH`` / ``diffusers:org/name`` for any other pipeline.
``auto`` = the best backend whose weights are present *and* that runs at a useful speed here: a
diffusion preset or CLIP+VQGAN on a GPU, else the composer (a CPU machine never loads torch for it).
"""

from __future__ import annotations

import threading

from engine.backends import BackendStatus
from engine.errors import StageError
from engine.images.backends.clip_guided import GENERATORS, ClipGuidedBackend
from engine.images.backends.composer import ComposerBackend
from engine.images.backends.diffusion import PREFIX, DiffusionBackend
from engine.images.backends.diffusion.presets import PRESETS
from engine.images.base import ImageBackend

BACKENDS: tuple[str, ...] = ("composer", "clip_guided", "diffusion")
CHOICES: tuple[str, ...] = ("auto", "composer", *GENERATORS, *PRESETS)
#: What "auto" tries first, best first (each only with its weights present and a GPU).
AUTO_ORDER: tuple[str, ...] = ("flux-schnell", "kandinsky-2.2", "sd-turbo", "vqgan")

_instances: dict[str, ImageBackend] = {}
_lock = threading.Lock()


def check_spec(spec: str) -> None:
    """StageError naming the choices for a spec that names no backend."""
    if spec in CHOICES or (spec.startswith(PREFIX) and len(spec) > len(PREFIX)):
        return
    raise StageError(
        "images",
        f"unknown image backend {spec!r}",
        f"choose one of: {', '.join(CHOICES)}, or diffusers:PATH / diffusers:org/name",
    )


def _make(spec: str) -> ImageBackend:
    if spec == "composer":
        return ComposerBackend()
    if spec in GENERATORS:
        return ClipGuidedBackend(spec)
    return DiffusionBackend(spec)


def get_backend(spec: str = "auto") -> ImageBackend:
    """The backend for ``spec`` (cached: models load once per process and stay warm)."""
    check_spec(spec)
    if spec == "auto":
        spec = auto_choice()
    with _lock:
        if spec not in _instances:
            _instances[spec] = _make(spec)
        return _instances[spec]


def register(spec: str, backend: ImageBackend | None) -> None:
    """Put ``backend`` behind ``spec`` (tests pass fakes this way; None forgets it)."""
    with _lock:
        if backend is None:
            _instances.pop(spec, None)
        else:
            _instances[spec] = backend


def _on_gpu(backend: ImageBackend) -> bool:
    device = getattr(backend, "device", None)
    return callable(device) and device() != "cpu"


def auto_choice() -> str:
    """The name ``auto`` stands for on this machine right now (see the module docstring)."""
    for name in AUTO_ORDER:
        try:
            backend = get_backend(name)
            if backend.status().ready and _on_gpu(backend):
                return name
        except Exception:  # a broken optional backend must not break the block
            continue
    return "composer"


def doctor() -> list[BackendStatus]:
    """One row per backend name (composer, vqgan, biggan, each diffusion preset)."""
    default = auto_choice()
    rows: list[BackendStatus] = []
    for name in CHOICES[1:]:
        try:
            row = get_backend(name).status()
        except Exception as exc:  # doctor must report, not crash
            row = BackendStatus("images", name, False, f"failed to load: {exc}")
        rows.append(BackendStatus(row.block, name, row.ready, row.detail, default=name == default))
    return rows


__all__ = [
    "AUTO_ORDER",
    "BACKENDS",
    "CHOICES",
    "auto_choice",
    "check_spec",
    "doctor",
    "get_backend",
    "register",
]
