"""A whole story to an mp4 on a CPU with ``--image-backend diffusers:PATH`` (a tiny random SD pipeline).

Slow: the embedded writer and narrator run for real through the command line, as a user would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("diffusers") is None, reason="diffusers not installed"),
]


def test_story_to_mp4_with_a_diffusers_folder(tmp_path):
    import diffusers_tiny

    model = diffusers_tiny.save_tiny_sd(tmp_path / "tiny-sd")
    out = tmp_path / "dragon.mp4"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "engine", "story", "Жил-был маленький дракон, который боялся темноты.",
         "--image-backend", f"diffusers:{model}", "--scenes", "3", "--duration", "20", "--no-music",
         "--quiet", "-o", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert out.is_file() and out.stat().st_size > 10_000
    story = json.loads((tmp_path / "dragon.story" / "story.json").read_text("utf-8"))
    spec = f"diffusers:{model}"
    assert story["backends"]["images"] == spec
    for scene in story["scenes"]:
        assert scene["image_backend"] == spec
        assert scene["image_seed"] == story["seed"] + scene["index"]
        assert scene["image_prompt_used"]
        assert scene["frame"]  # the upscale block fitted the native-size picture to the video
