"""Which Python packages each seed generator needs, checked without importing them.

``available()`` must stay cheap (the doctor and the dispatcher call it), so this only asks the
import system whether a module *could* be found; it never imports torch, clip or taming.
"""

from __future__ import annotations

import importlib.util

#: The optional extra that installs everything below (``pip install 'digiteller[seed]'``).
EXTRA_HINT = "install the seed extra: pip install -e '.[seed]'"

# module name -> the PyPI distribution that provides it
CLIP_MODULES: dict[str, str] = {
    "torch": "torch",
    "torchvision": "torchvision",
    "clip": "clip-anytorch",
    "ftfy": "ftfy",
    "regex": "regex",
    "pkg_resources": "setuptools<81",
}
VQGAN_MODULES: dict[str, str] = {
    **CLIP_MODULES,
    "taming": "taming-transformers-rom1504",
    "omegaconf": "omegaconf",
    "pytorch_lightning": "pytorch-lightning==1.9.5",
    "einops": "einops",
}
BIGGAN_MODULES: dict[str, str] = {
    **CLIP_MODULES,
    "pytorch_pretrained_biggan": "pytorch-pretrained-biggan",
    "boto3": "boto3",  # pytorch_pretrained_biggan imports it at package import time
}


def missing_packages(modules: dict[str, str]) -> list[str]:
    """The distributions whose module cannot be found, in a stable order."""
    missing: list[str] = []
    for module, dist in modules.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found and dist not in missing:
            missing.append(dist)
    return missing
