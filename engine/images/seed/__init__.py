"""The seed's CLIP-guided generators (CLIP+VQGAN, CLIP+BigGAN) for users with weights and a GPU.

Importing this package is cheap: torch, clip, taming and BigGAN load only when a picture is drawn.
See :mod:`engine.images.seed.weights` for where the weights go, and
:mod:`engine.torchvision_compat` for how torchvision is made importable.
"""

from __future__ import annotations

from engine.backends import BackendStatus
from engine.torchvision_compat import install_import_hook

# Cheap (imports nothing): makes the first ``import torchvision`` in this process safe beside the
# CPU torch. engine/__init__.py should do the same so that it also covers code that never imports
# this package (transformers imports torchvision whenever it is installed).
install_import_hook()


def doctor() -> list[BackendStatus]:
    """One row per seed backend: ready, or exactly which packages and weight files are missing."""
    from engine.images.seed.biggan import BigGANIllustrator
    from engine.images.seed.vqgan import VQGANIllustrator

    return [VQGANIllustrator().status(), BigGANIllustrator().status()]


def fetch_weights() -> dict[str, str]:
    """Try to download both backends' weights into the model cache; backend → outcome.

    For ``python -m engine assets`` on machines with internet (offline, each outcome says which
    file is missing and where to put it).
    """
    from engine.errors import BackendUnavailable
    from engine.images.seed.biggan import BigGANIllustrator
    from engine.images.seed.vqgan import VQGANIllustrator

    outcome: dict[str, str] = {}
    for illustrator in (VQGANIllustrator(), BigGANIllustrator()):
        try:
            outcome[illustrator.name] = "ready: " + ", ".join(str(p) for p in illustrator.fetch())
        except BackendUnavailable as error:
            outcome[illustrator.name] = error.reason
    return outcome


__all__ = ["doctor", "fetch_weights"]
