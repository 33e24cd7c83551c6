"""Loading a diffusers pipeline: from the model cache or a folder, on the right device and dtype.

Why here and not in the backend: loading is where the machine matters (CUDA or CPU, how much VRAM is
free, whether downloads are allowed), drawing is where the story matters. Everything heavy (torch,
diffusers) is imported inside the functions, so ``doctor`` stays cheap.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine import paths
from engine.errors import BackendUnavailable
from engine.images.backends.diffusion.presets import Preset, Repo
from engine.settings import downloads_allowed

log = logging.getLogger(__name__)


def hf_cache() -> Path:
    """Hugging Face repositories live in the engine's model cache (as the text block's ruGPT-3 do),
    so one DIGITELLER_MODELS folder holds every weight the engine reads."""
    path = paths.models_dir() / "huggingface"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_file(repo_id: str, filename: str) -> str | None:
    """The file's path in the model cache, or None (never downloads, never imports torch)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, filename, cache_dir=str(hf_cache()))
    return found if isinstance(found, str) else None


def missing_files(repos: tuple[Repo, ...]) -> list[str]:
    """``repo/file`` for every needed file that is not in the cache."""
    return [f"{r.repo_id}/{f}" for r in repos for f in r.files if cached_file(r.repo_id, f) is None]


def is_folder(source: str) -> bool:
    return Path(source).expanduser().is_dir()


def _dtype(preset: Preset, device: str) -> Any:
    import torch

    if device.startswith("cuda"):
        return getattr(torch, preset.cuda_dtype)
    return torch.float32  # half precision on a CPU is slow or unsupported; fp16 files are upcast


def load_pipeline(preset: Preset, source: str, device: str) -> Any:
    """The text-to-image pipeline for ``source`` (a preset's repo id or a folder), placed on ``device``.

    Raises BackendUnavailable with what is missing when the weights are not there and downloads are
    not allowed.
    """
    try:
        import diffusers
    except ImportError as exc:
        raise BackendUnavailable("images", f"diffusers is not installed ({exc})") from exc
    local = is_folder(source)
    kwargs: dict[str, Any] = {"dtype": _dtype(preset, device)}
    if not local:
        kwargs["local_files_only"] = not downloads_allowed()
        kwargs["cache_dir"] = str(hf_cache())
        variant = preset.repos[0].variant if preset.repos else None
        if variant:
            kwargs["variant"] = variant
    try:
        if preset.family == "kandinsky" or (
            local and (Path(source) / "prior" / "model_index.json").is_file()
        ):
            pipe = _load_kandinsky(diffusers, preset, source, kwargs)
        else:
            path = str(Path(source).expanduser()) if local else source
            pipe = diffusers.AutoPipelineForText2Image.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:  # not in the cache / not a diffusers folder
        what = (
            source
            if local
            else f"{source} (not in the model cache; DIGITELLER_ALLOW_DOWNLOADS=1 fetches it once)"
        )
        raise BackendUnavailable("images", f"cannot load {what}: {exc}") from exc
    if hasattr(pipe, "safety_checker"):  # the safety gate runs the same checker itself, once per picture
        pipe.safety_checker = None
    place(pipe, preset, device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _load_kandinsky(diffusers: Any, preset: Preset, source: str, kwargs: dict[str, Any]) -> Any:
    """Kandinsky 2.2 = a prior (text → CLIP image embedding) and a decoder; joined into the combined
    text-to-image pipeline from their parts, so nothing depends on reading a model card."""
    if is_folder(source):
        decoder_src, prior_src = str(Path(source) / "decoder"), str(Path(source) / "prior")
    else:
        decoder_src, prior_src = preset.repos[0].repo_id, preset.repos[1].repo_id
    kwargs = {k: v for k, v in kwargs.items() if k != "variant"}
    prior = diffusers.KandinskyV22PriorPipeline.from_pretrained(prior_src, **kwargs)
    decoder = diffusers.KandinskyV22Pipeline.from_pretrained(decoder_src, **kwargs)
    return diffusers.KandinskyV22CombinedPipeline(
        unet=decoder.unet,
        scheduler=decoder.scheduler,
        movq=decoder.movq,
        prior_prior=prior.prior,
        prior_image_encoder=prior.image_encoder,
        prior_text_encoder=prior.text_encoder,
        prior_tokenizer=prior.tokenizer,
        prior_scheduler=prior.scheduler,
        prior_image_processor=prior.image_processor,
    )


def place(pipe: Any, preset: Preset, device: str) -> None:
    """On a GPU with enough free memory the whole pipeline moves there; with less, diffusers' model
    CPU offload keeps only the part that runs on the GPU. On a CPU it stays where it is."""
    if not device.startswith("cuda"):
        pipe.to(device)
        return
    import torch

    free, _total = torch.cuda.mem_get_info()
    if free / 2**30 < preset.vram_gb:
        log.info("%.1f GB free on the GPU (< %.0f GB): model CPU offload", free / 2**30, preset.vram_gb)
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device)


def attach_ip_adapter(pipe: Any, preset: Preset, scale: float = 0.6) -> bool:
    """Load the preset's IP-Adapter (a reference picture of a character steers later scenes) when its
    weights are there; False when the preset has none or they are missing (prompts alone then)."""
    if preset.ip_adapter is None or not hasattr(pipe, "load_ip_adapter"):
        return False
    repo, subfolder, weight = preset.ip_adapter
    local = is_folder(repo)
    present = local or cached_file(repo, f"{subfolder}/{weight}" if subfolder else weight) is not None
    if not present and not downloads_allowed():
        return False
    kwargs: dict[str, Any] = {"subfolder": subfolder, "weight_name": weight}
    if not local:
        kwargs["local_files_only"] = not downloads_allowed()
        kwargs["cache_dir"] = str(hf_cache())
    if preset.ip_image_encoder:
        kwargs["image_encoder_pretrained_model_name_or_path"] = preset.ip_image_encoder
    try:
        pipe.load_ip_adapter(repo, **kwargs)
        pipe.set_ip_adapter_scale(scale)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # absent or not this pipeline's adapter
        log.warning("IP-Adapter %s not loaded: %s", repo, exc)
        return False
    return True
