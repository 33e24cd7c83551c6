"""torchvision (needed by clip and taming) imports beside the project's torch, in a fresh process."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_clip_taming_and_biggan_import_after_the_compat_shim():
    """A fresh interpreter, so torchvision really is imported for the first time here."""
    needed = ("torch", "torchvision", "clip", "taming", "pytorch_pretrained_biggan")
    if any(importlib.util.find_spec(m) is None for m in needed):
        pytest.skip("seed extra not installed")
    code = (
        "from engine.images.seed.torchvision_compat import ensure_torchvision\n"
        "status = ensure_torchvision()\n"
        "import torchvision.transforms, clip, pytorch_pretrained_biggan\n"
        "from engine.images.seed.vqgan_model import import_taming\n"
        "import_taming()\n"
        "assert ensure_torchvision() == status\n"
        "print(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() in ("native", "schemas registered")
