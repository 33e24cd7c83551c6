"""Loading OpenAI CLIP (clip-anytorch) from the model cache, once per process.

The official checkpoints are TorchScript archives; ``clip.load(path, jit=False)`` reads them (or a
plain state dict) and rebuilds the hackable ``clip.model.CLIP`` through ``build_model``, which is
what gradient-guided generation needs. A cached file is loaded by path, so an offline machine never
tries the network; a missing one is downloaded from the address clip-anytorch knows and checked
against the SHA256 embedded in that address, where the network allows.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable
from engine.images.backends.clip_guided.weights import WeightFile, clip_file, download
from engine.torchvision_compat import ensure_torchvision

_lock = threading.Lock()


def import_clip() -> Any:
    """Import clip-anytorch (after making torchvision importable); BackendUnavailable if it fails."""
    try:
        ensure_torchvision()
        with warnings.catch_warnings():
            # clip-anytorch still imports pkg_resources (kept by the setuptools<81 pin).
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            import clip
    except ImportError as error:
        raise BackendUnavailable("clip", f"clip-anytorch does not import: {error}") from error
    return clip


def fetch_clip(name: str) -> Path:
    """The cached checkpoint for ``name``, downloading and verifying it if absent and possible."""
    target = clip_file(name)
    if target.present:
        return target.path
    clip = import_clip()
    url = clip.clip._MODELS[name]
    path = download(WeightFile(target.path, url), "clip", timeout=60.0)
    expected = url.split("/")[-2]
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        path.unlink(missing_ok=True)
        raise BackendUnavailable("clip", f"downloaded {path.name} but its SHA256 does not match; removed it")
    return path


@lru_cache(maxsize=2)
def _load(path: str, device: str) -> Any:
    clip = import_clip()
    with warnings.catch_warnings():
        # OpenAI's files are TorchScript archives; torch.jit.load is deprecated but still reads them.
        warnings.filterwarnings(
            "ignore", message=".*torch.jit.load.*is deprecated", category=DeprecationWarning
        )
        model, _preprocess = clip.load(path, device=device, jit=False)
    return model.eval().requires_grad_(False)


def load_clip(name: str, device: str) -> Any:
    """The CLIP model ``name`` on ``device``, eval mode, frozen; loaded once and kept warm."""
    path = fetch_clip(name)
    with _lock:
        try:
            return _load(str(path), device)
        except (RuntimeError, KeyError, ValueError, EOFError) as error:
            raise BackendUnavailable("clip", f"{path} is not a usable CLIP checkpoint: {error}") from error


def tokenize(text: str, context_length: int) -> Any:
    """CLIP tokens for ``text``, cut to the model's context: arbitrary user text is just BPE input."""
    clip = import_clip()
    return clip.tokenize([text], context_length=context_length, truncate=True)
