"""torchvision (needed by clip and taming) imports beside the project's torch, in a fresh process."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")


def test_clip_and_taming_import_after_the_compat_shim():
    if any(sys.modules.get(m) is None and __import__("importlib").util.find_spec(m) is None for m in ("torchvision", "clip")):
        pytest.skip("seed packages not installed")
    code = (
        "from engine.images.seed.torchvision_compat import ensure_torchvision\n"
        "status = ensure_torchvision()\n"
        "import torchvision.transforms, clip\n"
        "assert ensure_torchvision() == status\n"
        "print(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() in ("native", "schemas registered")
