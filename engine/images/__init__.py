"""Images block: one picture per scene, drawn by the backend that can run here.

Backends, side by side:
- ``composer`` (default, embedded): composes storybook scenes from OpenMoji / Open Clip Art drawings
  over painted backgrounds — needs only the npm/Debian art, runs in < 1 s a scene on a CPU;
- ``vqgan`` / ``biggan`` (the seed's CLIP-guided generators, engine.images.seed): need CLIP and
  VQGAN/BigGAN weights in the model cache and, realistically, a GPU; imported lazily;

``auto`` picks vqgan when it is available, else the composer. A requested backend that cannot run
falls back to the composer and says so in story.notes — a story is never left without pictures.
Nothing heavy is imported at ``import engine.images`` time.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable, StageError
from engine.folder import attempt
from engine.progress import Progress, StageReporter
from engine.story import Story

BACKENDS: tuple[str, ...] = ("composer", "vqgan", "biggan")


class Illustrator:
    """The images block's entry for the pipeline (engine.blocks): ``spec`` names the backend.

    A thin adapter over ``illustrate`` until the block's own registry replaces it.
    """

    def __init__(self, spec: str = "auto") -> None:
        self.name = spec

    def illustrate(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        illustrate(story, folder, size, report, backend=self.name)


_SEED_CLASSES = {
    "vqgan": ("engine.images.seed.vqgan", "VQGANIllustrator"),
    "biggan": ("engine.images.seed.biggan", "BigGANIllustrator"),
}


def _seed_illustrator(name: str) -> tuple[Any | None, str]:
    """(instance, reason): the seed engineer's illustrator, or None with why it cannot run."""
    module_name, class_name = _SEED_CLASSES[name]
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
        illustrator = cls()
        ok, reason = illustrator.available()
    except ImportError as exc:
        return None, f"not installed ({exc.name or exc})"
    except Exception as exc:  # a broken optional backend must not break the block
        return None, f"failed to load: {exc}"
    return (illustrator if ok else None), reason


def _composer_status() -> tuple[bool, str]:
    from engine.images.assets import index_path, locate

    roots = locate()
    if roots.openmoji is None:
        return False, "needs npm openmoji@17.0.0 (run `python -m engine assets`)"
    if not index_path().is_file():
        return False, "asset index not built (run `python -m engine assets`)"
    extra = "" if roots.openclipart else "; Debian openclipart-svg not found (optional)"
    return True, f"OpenMoji + painted backgrounds, CPU{extra}"


def doctor() -> list[BackendStatus]:
    """One row per image backend: ready or not, and what it needs."""
    rows: list[BackendStatus] = []
    vq, vq_reason = _seed_illustrator("vqgan")
    auto_vq = _auto_vqgan() if vq is not None else False
    composer_ok, composer_detail = _composer_status()
    rows.append(BackendStatus("images", "composer", composer_ok, composer_detail, default=not auto_vq))
    rows.append(BackendStatus("images", "vqgan", vq is not None, f"CLIP+VQGAN: {vq_reason}", default=auto_vq))
    bg, bg_reason = _seed_illustrator("biggan")
    rows.append(BackendStatus("images", "biggan", bg is not None, f"CLIP+BigGAN: {bg_reason}"))
    return rows


def _resolve(backend: str) -> str:
    if backend not in ("auto", *BACKENDS):
        raise StageError(
            "images", f"unknown image backend {backend!r}", f"choose one of: auto, {', '.join(BACKENDS)}"
        )
    if backend == "auto":
        return "vqgan" if _auto_vqgan() else "composer"
    return backend


def _auto_vqgan() -> bool:
    """ "auto" takes CLIP+VQGAN only with its weights *and* a GPU: on a CPU a scene takes many minutes,
    while the composer needs a fraction of a second — an explicit ``vqgan`` still runs on a CPU."""
    vq, _ = _seed_illustrator("vqgan")
    if vq is None:
        return False
    device = vq.device() if hasattr(vq, "device") else "cpu"
    return device != "cpu"


def illustrate(
    story: Story, folder: Path, size: tuple[int, int], report: StageReporter, backend: str = "auto"
) -> None:
    """Draw ``folder/images/scene_XX.png`` (exactly ``size``) for every scene and record what was used."""
    if not story.scenes:
        raise StageError("images", "the story has no scenes to illustrate")
    width, height = int(size[0]), int(size[1])
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise StageError("images", f"image size {width}x{height} is out of range")
    (folder / "images").mkdir(parents=True, exist_ok=True)
    name = _resolve(backend)
    t0 = time.perf_counter()
    if name in ("vqgan", "biggan"):
        illustrator, reason = _seed_illustrator(name)
        if illustrator is None:
            story.notes.append(f"images: {name} unavailable ({reason}); used the scene composer")
            name = "composer"
        else:
            try:
                _run_seed(illustrator, story, folder, (width, height), report)
            except BackendUnavailable as exc:
                story.notes.append(f"images: {name} stopped ({exc.reason}); used the scene composer")
                name = "composer"
    if name == "composer":
        _run_composer(story, folder, (width, height), report)
    story.backends["images"] = name
    story.timings["images"] = round(time.perf_counter() - t0, 3)


def _run_composer(story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
    from engine.images.assets import ATTRIBUTION, ensure_assets
    from engine.images.composer import compose_story

    try:
        ensure_assets()
    except Exception as exc:
        raise StageError("images", f"scene art is missing: {exc}", "run `python -m engine assets`") from exc
    compose_story(story, folder, size, report)
    if ATTRIBUTION not in story.notes:
        story.notes.append(ATTRIBUTION)


def _out(folder: Path, index: int) -> tuple[Path, str]:
    rel = f"images/scene_{int(index):02d}.png"
    return folder / rel, rel


def _run_seed(
    illustrator: Any, story: Story, folder: Path, size: tuple[int, int], report: StageReporter
) -> None:
    from engine.images.composer import Composer

    composer = Composer(story, folder)
    plans = composer.plan()  # English keywords for CLIP come from the word map
    previous: Path | None = None
    total = len(story.scenes)
    for n, plan in enumerate(plans):
        scene = plan.scene
        scene.keywords_en = composer.keywords_en(
            plan, [composer._match_row(p) for p in plan.subjects if p.role != "cast"]
        )
        path, rel = _out(folder, scene.index)
        report(n / total, f"scene {n + 1}/{total}")

        def forward(p: Progress, n: int = n) -> None:  # a scene's own progress, as part of the stage
            report((n + p.fraction) / total, f"scene {n + 1}/{total}: {p.message}")

        sub = StageReporter(report.stage, forward, report.cancel)
        illustrator.draw(scene, story, size, path, sub, previous)
        _fit(path, size)
        scene.image = rel
        scene.image_matches = []  # a generator draws from the prompt, not from indexed art
        previous = path
    report(1.0, f"{total} scenes generated")


def _fit(path: Path, size: tuple[int, int]) -> None:
    """Guarantee the contract: the file is exactly ``size`` (a generator may work at 256×256)."""
    from PIL import Image

    with Image.open(path) as img:
        if img.size == size:
            return
        img = img.convert("RGB")
        scale = max(size[0] / img.width, size[1] / img.height)
        resized = img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.LANCZOS
        )
    left, top = (resized.width - size[0]) // 2, (resized.height - size[1]) // 2
    with attempt(path) as tmp:  # crash safety: renamed into place when complete
        resized.crop((left, top, left + size[0], top + size[1])).save(tmp)
