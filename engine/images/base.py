"""What every illustrator backend is: one small Protocol, plus where scene pictures go.

A backend draws the scenes it can into ``folder/images/scene_XX.png`` and fills the scene's
provenance (``image``, ``image_backend``, ``image_prompt_used``, ``image_seed``). A scene it could
not draw safely (the safety checker flagged it twice) keeps ``scene.image = None``: the block's
:class:`engine.images.Illustrator` then has the composer draw exactly those scenes, so one refusal
never costs the whole story its pictures. Pictures are saved at the backend's native size; the
upscale block fits them to the video frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from engine.backends import BackendStatus
from engine.folder import attempt
from engine.progress import StageReporter
from engine.story import Scene, Story


@runtime_checkable
class ImageBackend(Protocol):
    """An illustrator backend; instances are cached by the registry and keep their models warm."""

    name: str  # what ran, as doctor and story.backends["images"] show it

    def status(self) -> BackendStatus:
        """Ready or not, and what it needs; never loads a model (doctor calls it on every machine)."""
        ...

    def draw(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        """Draw every scene whose ``image`` is None; raise BackendUnavailable when it cannot run."""
        ...


def scene_path(folder: Path, scene: Scene) -> tuple[Path, str]:
    """(absolute path, path relative to the story folder) of a scene's picture."""
    rel = f"images/scene_{int(scene.index):02d}.png"
    return folder / rel, rel


def save_png(img, path: Path) -> None:
    """Write atomically: a crash never leaves a half-written picture that a resume would take."""
    with attempt(path) as tmp:  # renamed into place when complete (engine.folder)
        img.save(tmp, "PNG", compress_level=3)
