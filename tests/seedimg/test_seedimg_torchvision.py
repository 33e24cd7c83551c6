"""torchvision (needed by clip and taming) imports beside the project's CPU torch.

Each case runs in a fresh interpreter, so torchvision really is imported for the first time.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("torch", "torchvision", "clip", "taming", "pytorch_pretrained_biggan")


def run_fresh(code: str) -> str:
    if any(importlib.util.find_spec(m) is None for m in NEEDED):
        pytest.skip("seed extra not installed")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.mark.slow
def test_the_import_hook_makes_any_first_torchvision_import_safe():
    out = run_fresh(
        "import sys\n"
        "from engine.torchvision_compat import install_import_hook\n"
        "install_import_hook()\n"
        "assert 'torch' not in sys.modules  # installing the hook imports nothing heavy\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('transformers'):\n"
        "    from transformers import GPT2Config, GPT2LMHeadModel  # imports torchvision when present\n"
        "    GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=100))\n"
        "import torchvision.transforms, clip, pytorch_pretrained_biggan\n"
        "from engine.images.backends.clip_guided.vqgan_model import import_taming\n"
        "import_taming()\n"
        "from engine.torchvision_compat import ensure_torchvision\n"
        "print(ensure_torchvision())\n"
    )
    assert out.splitlines()[-1] in ("native", "schemas registered")


@pytest.mark.slow
def test_a_process_where_torchvision_already_failed_is_repaired():
    out = run_fresh(
        "try:\n"
        "    import torchvision\n"
        "    first = 'imported'\n"
        "except Exception as error:\n"
        "    first = type(error).__name__\n"
        "from engine.torchvision_compat import ensure_torchvision\n"
        "status = ensure_torchvision()\n"
        "import clip, torchvision.transforms\n"
        "print(first, status)\n"
    )
    first, status = out.splitlines()[-1].split(" ", 1)
    assert (first, status) in (("imported", "native"), ("RuntimeError", "schemas registered"))
