"""The seed's CLIP-guided generators (CLIP+VQGAN, CLIP+BigGAN) for users with weights and a GPU.

(This folder was ``images/seed/``; renamed because "seed" also means the random seed.)
Module map: ``base`` shared options and readiness; ``vqgan``/``biggan`` the two illustrators and
``vqgan_model``/``biggan_model``/``clip_model`` their model loading; ``guidance``/``optimise`` the
CLIP loss and the optimisation loop; ``prompt`` the English CLIP text; ``weights`` where the weight
files live; ``imageio`` tensors ↔ PNG; ``requirements`` which optional packages each one needs.

Importing this package is cheap: torch, clip, taming and BigGAN load only when a picture is drawn.
See :mod:`engine.images.backends.clip_guided.weights` for where the weights go, and
:mod:`engine.torchvision_compat` for how torchvision is made importable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.backends import BackendStatus
from engine.progress import Progress, StageReporter
from engine.story import Story
from engine.torchvision_compat import install_import_hook

# Cheap (imports nothing): makes the first ``import torchvision`` in this process safe beside the
# CPU torch. engine/__init__.py should do the same so that it also covers code that never imports
# this package (transformers imports torchvision whenever it is installed).
install_import_hook()


def doctor() -> list[BackendStatus]:
    """One row per seed backend: ready, or exactly which packages and weight files are missing."""
    from engine.images.backends.clip_guided.biggan import BigGANIllustrator
    from engine.images.backends.clip_guided.vqgan import VQGANIllustrator

    return [VQGANIllustrator().status(), BigGANIllustrator().status()]


def fetch_weights() -> dict[str, str]:
    """Try to download both backends' weights into the model cache; backend → outcome.

    For ``python -m engine assets`` on machines with internet (offline, each outcome says which
    file is missing and where to put it).
    """
    from engine.errors import BackendUnavailable
    from engine.images.backends.clip_guided.biggan import BigGANIllustrator
    from engine.images.backends.clip_guided.vqgan import VQGANIllustrator

    outcome: dict[str, str] = {}
    for illustrator in (VQGANIllustrator(), BigGANIllustrator()):
        try:
            outcome[illustrator.name] = "ready: " + ", ".join(str(p) for p in illustrator.fetch())
        except BackendUnavailable as error:
            outcome[illustrator.name] = error.reason
    return outcome


GENERATORS: tuple[str, ...] = ("vqgan", "biggan")


def _make(generator: str) -> Any:
    if generator == "vqgan":
        from engine.images.backends.clip_guided.vqgan import VQGANIllustrator

        return VQGANIllustrator()
    from engine.images.backends.clip_guided.biggan import BigGANIllustrator

    return BigGANIllustrator()


class ClipGuidedBackend:
    """One CLIP-guided generator behind the images block's backend Protocol.

    Scenes are drawn one after another, each starting from the previous picture (continuity of
    palette and layout); pictures keep the generator's working size (the upscale block fits them).
    """

    def __init__(self, generator: str) -> None:
        if generator not in GENERATORS:
            raise ValueError(f"unknown CLIP-guided generator {generator!r}")
        self.name = generator
        self.illustrator = _make(generator)

    def status(self) -> BackendStatus:
        ready, detail = self.illustrator.available()
        label = "CLIP+VQGAN" if self.name == "vqgan" else "CLIP+BigGAN"
        return BackendStatus("images", self.name, ready, f"{label} (backends/clip_guided): {detail}")

    def device(self) -> str:
        return str(self.illustrator.device())

    def draw(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        from engine.errors import BackendUnavailable
        from engine.images.backends.clip_guided.prompt import clip_prompt

        ready, reason = self.illustrator.available()
        if not ready:
            raise BackendUnavailable("images", reason)
        todo = [s for s in story.scenes if s.image is None]
        previous: Path | None = None
        for n, scene in enumerate(todo):
            rel = f"images/scene_{int(scene.index):02d}.png"
            report(n / len(todo), f"scene {n + 1}/{len(todo)}")

            def forward(p: Progress, n: int = n) -> None:  # a scene's own progress, as part of the stage
                report((n + p.fraction) / len(todo), f"scene {n + 1}/{len(todo)}: {p.message}")

            sub = StageReporter(report.stage, forward, report.cancel)
            (folder / "images").mkdir(parents=True, exist_ok=True)
            self.illustrator.draw(scene, story, size, folder / rel, sub, previous)
            scene.image = rel
            scene.image_matches = []  # a generator draws from the prompt, not from indexed art
            scene.image_backend = self.name
            scene.image_prompt_used = clip_prompt(scene, story).text
            scene.image_seed = int(self.illustrator.scene_seed(scene, story))
            previous = folder / rel
        report(1.0, f"{len(todo)} scenes generated")


__all__ = ["GENERATORS", "ClipGuidedBackend", "doctor", "fetch_weights"]
