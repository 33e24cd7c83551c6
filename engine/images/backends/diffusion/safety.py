"""The safety gate: every generated picture is classified before a user can see it.

A public bot must not send unsafe pictures, and not every pipeline carries a checker (SD-Turbo,
FLUX and Kandinsky ship none), so the gate runs Stable Diffusion's ``StableDiffusionSafetyChecker``
(CLIP image features compared with unsafe-concept embeddings) on the output of *every* pipeline: the
pipeline's own checker when it has one, else one from the folder's ``safety_checker/``, else
``CompVis/stable-diffusion-safety-checker`` from the model cache. No checker → the backend does not
run (the composer draws instead): never an unchecked picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from engine.errors import BackendUnavailable
from engine.images.backends.diffusion.loading import cached_file, hf_cache, is_folder
from engine.images.backends.diffusion.presets import SAFETY_CHECKER
from engine.settings import downloads_allowed


class Checker(Protocol):
    """Anything that says, per picture, whether it is unsafe (tests pass one that flags)."""

    def flags(self, images: list[Any]) -> list[bool]: ...


class ClipSafetyChecker:
    """StableDiffusionSafetyChecker + its CLIP image processor, on the pipeline's device."""

    def __init__(self, model: Any, processor: Any, device: str) -> None:
        self.model = model.to(device).eval()
        self.processor = processor
        self.device = device

    def flags(self, images: list[Any]) -> list[bool]:
        import numpy as np
        import torch

        if not images:
            return []
        pixels = self.processor(images=images, return_tensors="pt").pixel_values
        pixels = pixels.to(self.device, dtype=next(self.model.parameters()).dtype)
        arrays = np.stack([np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0 for img in images])
        with torch.no_grad():
            _, unsafe = self.model(images=arrays, clip_input=pixels)
        return [bool(u) for u in unsafe]


def checker_source(source: str) -> str | None:
    """Where the checker for ``source`` comes from: the folder's own, or the cached CompVis one."""
    own = Path(source).expanduser() / "safety_checker"
    if is_folder(source) and (own / "config.json").is_file():
        return str(own.parent)
    if all(cached_file(SAFETY_CHECKER.repo_id, f) for f in SAFETY_CHECKER.files[:2]) and (
        cached_file(SAFETY_CHECKER.repo_id, "model.safetensors")
        or cached_file(SAFETY_CHECKER.repo_id, "pytorch_model.bin")
    ):
        return SAFETY_CHECKER.repo_id
    return SAFETY_CHECKER.repo_id if downloads_allowed() else None


def load_checker(source: str, device: str) -> ClipSafetyChecker:
    """The checker for pictures of ``source``'s pipeline (see the module docstring for the order)."""
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPImageProcessor

    where = checker_source(source)
    if where is None:
        raise BackendUnavailable(
            "images",
            f"no safety checker: {SAFETY_CHECKER.repo_id} is not in the model cache "
            "(DIGITELLER_ALLOW_DOWNLOADS=1 fetches it once); pictures are never sent unchecked",
        )
    if where == SAFETY_CHECKER.repo_id:
        kwargs: dict[str, Any] = {"local_files_only": not downloads_allowed(), "cache_dir": str(hf_cache())}
        model = StableDiffusionSafetyChecker.from_pretrained(where, **kwargs)
        processor = CLIPImageProcessor.from_pretrained(where, **kwargs)
    else:
        model = StableDiffusionSafetyChecker.from_pretrained(where, subfolder="safety_checker")
        processor = CLIPImageProcessor.from_pretrained(where, subfolder="feature_extractor")
    return ClipSafetyChecker(model, processor, device)
