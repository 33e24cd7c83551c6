"""What both CLIP-guided illustrators share: options, readiness checks, seeds and devices.

Everything here is cheap to import (no torch): the dispatcher and ``doctor`` construct
illustrators and call ``available()`` on machines where the seed packages are not installed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from engine.backends import BackendStatus
from engine.device import torch_device
from engine.images.backends.clip_guided.requirements import EXTRA_HINT, missing_packages
from engine.images.backends.clip_guided.weights import WeightFile, clip_file, describe_missing, download
from engine.story import Scene, Story


@dataclass
class ClipOptions:
    """Knobs common to both generators (defaults suit a GPU; on CPU each scene takes many minutes)."""

    clip_model: str = "ViT-B/32"
    steps: int = 250
    lr: float = 0.1
    cutouts: int = 32
    cut_power: float = 1.0
    seed: int | None = None  # None: the story's seed, varied per scene
    device: str | None = None  # None: engine.device.torch_device()


class SeedIllustrator:
    """Base of the CLIP-guided illustrators; subclasses name their packages and weight files."""

    name = ""
    modules: dict[str, str] = {}  # noqa: RUF012 - a read-only class table, overridden per subclass

    def __init__(self, options: ClipOptions) -> None:
        self.options = options

    # -- readiness ---------------------------------------------------------------------------
    def weight_files(self) -> list[WeightFile]:
        """Every file the backend reads from the model cache (CLIP's first)."""
        return [clip_file(self.options.clip_model)]

    def available(self) -> tuple[bool, str]:
        """(ready, reason): packages importable and weights cached; never loads a model."""
        problems: list[str] = []
        missing = missing_packages(self.modules)
        if missing:
            problems.append(f"missing packages {', '.join(missing)} ({EXTRA_HINT})")
        try:
            files = self.weight_files()
        except Exception as error:  # an unknown model name in the options
            return False, str(error)
        absent = describe_missing(files)
        if absent:
            problems.append(absent)
        if problems:
            return False, "; ".join(problems)
        # Asking torch for a GPU imports torch (seconds); only do it when torch is loaded anyway.
        device = self.options.device or (torch_device() if "torch" in sys.modules else None)
        if device is None:
            where = "on the GPU when torch sees one (CPU works but takes many minutes per scene)"
        elif device == "cpu":
            where = "on cpu (works, but takes many minutes per scene: a GPU is advised)"
        else:
            where = f"on {device}"
        return True, f"{self.describe()} {where}"

    def fetch(self) -> list[Path]:
        """Download every missing weight file from its official address, where the network allows.

        Safe to call again (present files are kept); BackendUnavailable names the file that could
        not be fetched. For an asset step on machines with internet; never called by ``available``.
        """
        from engine.images.backends.clip_guided.clip_model import fetch_clip

        paths = [fetch_clip(self.options.clip_model)]
        paths += [download(file, self.name, timeout=60.0) for file in self.weight_files()[1:]]
        return paths

    def status(self) -> BackendStatus:
        ready, detail = self.available()
        return BackendStatus(block="images", name=self.name, ready=ready, detail=detail)

    def describe(self) -> str:
        return f"CLIP {self.options.clip_model}"

    # -- per-scene helpers ---------------------------------------------------------------------
    def device(self) -> str:
        return self.options.device or torch_device()

    def scene_seed(self, scene: Scene, story: Story) -> int:
        """Reproducible per scene, different between scenes of one story."""
        base = self.options.seed if self.options.seed is not None else story.seed
        return (int(base) * 1009 + int(scene.index) * 7919) % (2**31 - 1)
