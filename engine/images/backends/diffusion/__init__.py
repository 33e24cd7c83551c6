"""Diffusion illustrator: any diffusers text-to-image pipeline, by preset name or ``diffusers:PATH``.

Module map: ``presets`` names the models with their steps, guidance, native size and files;
``loading`` gets a pipeline from the model cache or a folder onto the device (offloading when VRAM
is short) and attaches an IP-Adapter where its weights are present; ``safety`` classifies every
picture. This module draws a story: prompts from the cast (engine.images.prompts), one fixed seed per
scene, scenes in batches, a reference picture of each character from their first appearance when an
IP-Adapter is loaded, and a flagged picture redrawn once with another seed before the scene is left
to the composer. Pictures keep the model's native size (the upscale block fits them to the video).
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import threading
from pathlib import Path
from typing import Any

from engine.backends import BackendStatus
from engine.images.backends.diffusion.loading import (
    attach_ip_adapter,
    is_folder,
    load_pipeline,
    missing_files,
)
from engine.images.backends.diffusion.presets import PRESETS, SAFETY_CHECKER, Preset, Repo, preset_for_source
from engine.images.backends.diffusion.safety import Checker, checker_source, load_checker
from engine.images.base import save_png, scene_path
from engine.images.prompts import ScenePrompt, scene_prompt
from engine.progress import StageReporter
from engine.settings import downloads_allowed
from engine.story import Scene, Story

log = logging.getLogger(__name__)

PREFIX = "diffusers:"
IP_SCALE = 0.6  # how strongly a character's reference picture steers: enough for the look, not the pose


def parse_spec(spec: str) -> tuple[Preset, str]:
    """(preset, source) for a preset name, ``diffusers:<preset>``, ``diffusers:org/name`` or ``diffusers:PATH``."""
    name = spec[len(PREFIX) :] if spec.startswith(PREFIX) else spec
    if name in PRESETS:
        preset = PRESETS[name]
        return preset, preset.repos[0].repo_id
    if not spec.startswith(PREFIX) or not name:
        raise ValueError(f"not a diffusion backend: {spec!r}")
    return preset_for_source(name), name


class DiffusionBackend:
    """One diffusers pipeline, loaded on first use and kept warm."""

    def __init__(
        self, spec: str, checker: Checker | None = None, device: str | None = None, batch: int | None = None
    ) -> None:
        self.preset, self.source = parse_spec(spec)
        self.name = spec
        self._checker = checker
        self._device = device
        self._batch = batch
        self._pipe: Any = None
        self._ip = False
        self._lock = threading.Lock()

    # -- readiness ---------------------------------------------------------------------------------
    def status(self) -> BackendStatus:
        ready, detail = self._readiness()
        return BackendStatus("images", self.name, ready, f"diffusion: {detail}")

    def _readiness(self) -> tuple[bool, str]:
        if importlib.util.find_spec("diffusers") is None:
            return False, "diffusers is not installed"
        note = self.preset.note or f"{self.preset.steps} steps, guidance {self.preset.guidance}"
        checker = "given" if self._checker is not None else checker_source(self.source)
        checker_text = (
            "safety checker ready"
            if checker
            else f"no safety checker (needs {SAFETY_CHECKER.repo_id}: "
            + ", ".join(SAFETY_CHECKER.files)
            + ")"
        )
        if is_folder(self.source):
            folder = Path(self.source).expanduser()
            found = (folder / "model_index.json").is_file() or (
                folder / "prior" / "model_index.json"
            ).is_file()
            if not found:
                return False, f"{folder} holds no model_index.json (not a diffusers folder)"
            return checker is not None, f"{note}; folder {folder}; {checker_text}"
        repos = self.preset.repos or (Repo(self.source, ("model_index.json",)),)  # any other hub id
        needed = [(r.repo_id, f) for r in repos for f in r.files]
        missing = missing_files(repos)
        have = len(needed) - len(missing)
        files = f"{have}/{len(needed)} files in the model cache"
        if not missing:
            return checker is not None, f"{note}; {files}; {checker_text}"
        if downloads_allowed():
            return checker is not None, f"{note}; {files}, the rest download once; {checker_text}"
        return False, f"{note}; {files}; missing: {', '.join(missing)}; {checker_text}"

    @property
    def ip_adapter_loaded(self) -> bool:
        """Whether character reference pictures steer this pipeline (after the first story)."""
        return self._ip

    def ready(self) -> bool:
        return self._readiness()[0]

    def device(self) -> str:
        if self._device is None:
            from engine.device import torch_device

            self._device = torch_device()
        return self._device

    # -- drawing -----------------------------------------------------------------------------------
    def _load(self) -> tuple[Any, Checker]:
        if self._pipe is None:
            device = self.device()
            checker = self._checker or load_checker(self.source, device)
            pipe = load_pipeline(self.preset, self.source, device)
            self._ip = attach_ip_adapter(pipe, self.preset, IP_SCALE)
            self._pipe, self._checker = pipe, checker
        assert self._checker is not None
        return self._pipe, self._checker

    def draw(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        """Draw every scene without a picture; scenes flagged twice are left for the composer."""
        with self._lock:  # one story at a time on one pipeline (GPU memory, scheduler state)
            report(0.0, f"loading {self.name}")
            pipe, checker = self._load()
            todo = [s for s in story.scenes if s.image is None]
            run = _StoryRun(
                self, pipe, checker, story, folder, self.preset.native_size(size), report, len(todo)
            )
            references: list[str] = []
            for key, scenes in _groups(todo, self._ip):
                ref = None
                if key is not None:  # the character's first appearance becomes their reference
                    first, scenes = scenes[0], scenes[1:]
                    run.batch([first], None)
                    ref = run.picture_of(first)
                    if ref is not None:
                        references.append(f"{key} ← scene {first.index}")
                for start in range(0, len(scenes), self.batch_size()):
                    run.batch(scenes[start : start + self.batch_size()], ref)
            if references:
                story.notes.append(f"images: IP-Adapter character references: {', '.join(references)}")
            report(1.0, f"{run.done} scenes generated")

    def batch_size(self) -> int:
        """Scenes per pipeline call: the preset's on a GPU, one on a CPU (memory; progress per scene)."""
        if self._batch is not None:
            return self._batch
        return self.preset.batch if self.device().startswith("cuda") else 1

    def generate(self, pipe: Any, prompts: list[ScenePrompt], size: tuple[int, int], ref: Any) -> list[Any]:
        """One pipeline call for a batch of scenes; returns PIL images in the prompts' order."""
        import torch
        from PIL import Image

        preset = self.preset
        kwargs: dict[str, Any] = {
            "prompt": [p.text for p in prompts],
            "num_inference_steps": preset.steps,
            "guidance_scale": preset.guidance,
            "width": size[0],
            "height": size[1],
            "generator": [torch.Generator("cpu").manual_seed(p.seed) for p in prompts],  # same on any device
            "output_type": "pil",
            **preset.extra,
        }
        if preset.negative:
            kwargs["negative_prompt"] = [p.negative for p in prompts]
        if self._ip:
            pipe.set_ip_adapter_scale(IP_SCALE if ref is not None else 0.0)
            kwargs["ip_adapter_image"] = (
                ref if ref is not None else Image.new("RGB", (224, 224), (128, 128, 128))
            )
        accepted = inspect.signature(pipe.__call__).parameters
        out = pipe(**{k: v for k, v in kwargs.items() if k in accepted})
        return list(out.images)


def _groups(scenes: list[Scene], by_character: bool) -> list[tuple[str | None, list[Scene]]]:
    """Without references: one group, story order. With: scenes by main character, then the rest."""
    if not by_character:
        return [(None, scenes)]
    groups: dict[str | None, list[Scene]] = {}
    for scene in scenes:
        groups.setdefault(scene.characters[0] if scene.characters else None, []).append(scene)
    return sorted(groups.items(), key=lambda kv: kv[0] is None)


class _StoryRun:
    """The state of drawing one story: progress, safety retries, provenance."""

    def __init__(
        self,
        backend: DiffusionBackend,
        pipe: Any,
        checker: Checker,
        story: Story,
        folder: Path,
        size: tuple[int, int],
        report: StageReporter,
        total: int,
    ) -> None:
        self.backend, self.pipe, self.checker = backend, pipe, checker
        self.story, self.folder, self.size, self.report, self.total = story, folder, size, report, total
        self.done = 0

    def prompt(self, scene: Scene, attempt: int) -> ScenePrompt:
        preset = self.backend.preset
        return scene_prompt(self.story, scene, style=preset.style, russian=preset.russian, attempt=attempt)

    def batch(self, scenes: list[Scene], ref: Any) -> None:
        if not scenes:
            return
        self.report(
            self.done / max(1, self.total), f"scenes {self.done + 1}–{self.done + len(scenes)}/{self.total}"
        )
        prompts = [self.prompt(s, 0) for s in scenes]
        images = self.backend.generate(self.pipe, prompts, self.size, ref)
        for scene, prompt, image, unsafe in zip(
            scenes, prompts, images, self.checker.flags(images), strict=True
        ):
            if unsafe:
                retry = self.prompt(scene, 1)
                self.story.notes.append(
                    f"images: scene {scene.index}: the safety checker flagged the picture (seed {prompt.seed}); "
                    f"drawn again with seed {retry.seed}"
                )
                image = self.backend.generate(self.pipe, [retry], self.size, ref)[0]
                prompt = retry
                if self.checker.flags([image])[0]:
                    self.story.notes.append(
                        f"images: scene {scene.index}: flagged again (seed {retry.seed}); the composer draws it"
                    )
                    continue
            path, rel = scene_path(self.folder, scene)
            save_png(image.convert("RGB"), path)
            scene.image = rel
            scene.image_matches = []
            scene.image_backend = self.backend.name
            scene.image_prompt_used = prompt.text
            scene.image_seed = prompt.seed
            self.done += 1

    def picture_of(self, scene: Scene) -> Any:
        """The scene's saved picture (a character's reference), or None when it was refused."""
        if scene.image is None:
            return None
        from PIL import Image

        with Image.open(self.folder / scene.image) as img:
            return img.convert("RGB")


__all__ = ["PREFIX", "DiffusionBackend", "parse_spec"]
