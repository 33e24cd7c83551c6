"""The seed's CLIP-guided generators (CLIP+VQGAN, CLIP+BigGAN) for users with weights and a GPU.

Importing this package is cheap: torch, clip, taming and BigGAN load only when a picture is drawn.
See :mod:`engine.images.seed.weights` for where the weights go, and
:mod:`engine.images.seed.torchvision_compat` for how torchvision is made importable.
"""

from __future__ import annotations

from engine.backends import BackendStatus


def doctor() -> list[BackendStatus]:
    """One row per seed backend: ready, or exactly which packages and weight files are missing."""
    from engine.images.seed.biggan import BigGANIllustrator
    from engine.images.seed.vqgan import VQGANIllustrator

    return [VQGANIllustrator().status(), BigGANIllustrator().status()]


__all__ = ["doctor"]
