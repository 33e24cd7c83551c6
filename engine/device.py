"""Which accelerator to use. Everything works on CPU; a GPU is used when one is present."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def torch_device() -> str:
    """ "cuda" when PyTorch sees a GPU (or DIGITELLER_DEVICE says so), else "cpu"."""
    from engine.settings import settings

    forced = settings().device
    if forced:
        return forced
    try:
        import torch
    except ImportError:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def cpu_threads() -> int:
    """Threads for CPU-bound native code: the cores this process may really use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
