"""Images block: one picture per scene, drawn by the backend that can run here.

Module map:
- ``base``: the backend Protocol (:class:`ImageBackend`) and where scene pictures go;
- ``prompts``: scene → prompt from the story's cast, place, time, action and style (every generator);
- ``backends/``: the registry (``get_backend``, ``BACKENDS``, ``CHOICES``, ``doctor``) and one folder per
  backend: ``composer/`` (default, embedded: OpenMoji / Open Clip Art over painted backgrounds, CPU),
  ``clip_guided/`` (the seed's CLIP+VQGAN and CLIP+BigGAN), ``diffusion/`` (diffusers presets
  sd-turbo, flux-schnell, kandinsky-2.2 and any ``diffusers:PATH``);
- :class:`Illustrator` (here): the block's entry — runs the chosen backend, records per-scene
  provenance, and hands whatever it could not draw to the composer with a note in ``story.notes``.

Nothing heavy is imported at ``import engine.images`` time.
"""

from __future__ import annotations

import time
from pathlib import Path

from engine.backends import BackendStatus
from engine.errors import Cancelled, StageError
from engine.images.backends import BACKENDS, CHOICES, check_spec, doctor, get_backend
from engine.images.backends.composer import ComposerBackend
from engine.images.base import ImageBackend
from engine.images.prompts import has_scene_fields
from engine.progress import StageReporter
from engine.story import Story


def ensure_assets() -> None:
    """The block's asset step (``python -m engine assets``): the composer's art and word index."""
    from engine.images.backends.composer.index import ensure_assets as composer_assets

    composer_assets()


class Illustrator:
    """The images block's entry: ``Illustrator(spec).illustrate(story, folder, size, report)``.

    ``spec``: ``auto``, a name from :data:`CHOICES`, or ``diffusers:PATH`` / ``diffusers:org/name``.
    A requested backend that cannot run falls back to the composer, and so does any scene it could
    not draw safely — a story is never left without pictures, and ``story.notes`` says why.
    """

    def __init__(self, spec: str = "auto") -> None:
        check_spec(spec)
        self.spec = spec
        self.name = spec  # as the other blocks' entries name their choice

    def illustrate(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        """Draw ``folder/images/scene_XX.png`` for every scene; set each scene's image and provenance."""
        if not story.scenes:
            raise StageError("images", "the story has no scenes to illustrate")
        width, height = int(size[0]), int(size[1])
        if not (16 <= width <= 4096 and 16 <= height <= 4096):
            raise StageError("images", f"image size {width}x{height} is out of range")
        (folder / "images").mkdir(parents=True, exist_ok=True)
        for scene in story.scenes:  # a redo draws everything again
            scene.image, scene.image_backend, scene.image_prompt_used, scene.image_seed = None, "", "", None
        t0 = time.perf_counter()
        composer = get_backend("composer")
        backend = get_backend(self.spec)
        name = backend.name
        if backend is not composer:
            name = self._generate(backend, story, folder, (width, height), report)
        left = [s for s in story.scenes if s.image is None]
        if left:
            composer.draw(story, folder, (width, height), report)
            if name != "composer":
                for scene in left:
                    scene.image_backend = f"composer (after {name})"
                every = len(left) == len(story.scenes)
                name = (
                    f"composer (after {name})"
                    if every
                    else f"{name} + composer (scenes {', '.join(str(s.index) for s in left)})"
                )
        story.backends["images"] = name
        story.timings["images"] = round(time.perf_counter() - t0, 3)

    @staticmethod
    def _generate(
        backend: ImageBackend, story: Story, folder: Path, size: tuple[int, int], report: StageReporter
    ) -> str:
        """Run a generator; its name, or "composer" when it could not run at all."""
        status: BackendStatus = backend.status()
        if not status.ready:
            detail = (
                status.detail
                if len(status.detail) <= 240
                else status.detail[:240] + "… (see `python -m engine doctor`)"
            )
            story.notes.append(f"images: {backend.name} unavailable ({detail}); used the scene composer")
            return "composer"
        composer = get_backend("composer")
        if isinstance(composer, ComposerBackend) and not all(has_scene_fields(s) for s in story.scenes):
            try:  # English words for scenes the writer did not describe (old stories, Gemma)
                composer.keywords(story, folder)
            except Exception as exc:  # no art here: the raw prompt still works
                story.notes.append(f"images: no English keywords ({exc})")
        try:
            backend.draw(story, folder, size, report)
        except Cancelled:
            raise
        except Exception as exc:  # a failed generator costs pictures, never the story
            reason = getattr(exc, "reason", None) or str(exc)
            story.notes.append(f"images: {backend.name} stopped ({reason}); used the scene composer")
            if all(s.image is None for s in story.scenes):
                return "composer"
        return backend.name


def illustrate(
    story: Story, folder: Path, size: tuple[int, int], report: StageReporter, backend: str = "auto"
) -> None:
    """Kept for today's pipeline call (``images.illustrate(..., backend=...)``): the same as
    ``Illustrator(backend).illustrate(story, folder, size, report)``."""
    Illustrator(backend).illustrate(story, folder, size, report)


__all__ = [
    "BACKENDS",
    "CHOICES",
    "Illustrator",
    "ImageBackend",
    "doctor",
    "ensure_assets",
    "get_backend",
    "illustrate",
]
