"""Loading taming-transformers' VQGAN the way the CLIP+VQGAN notebooks do, and decoding latents.

The official release is a config (``model.yaml``) plus a PyTorch-Lightning checkpoint
(``last.ckpt``, the weights under ``"state_dict"``). The notebooks build ``VQModel(**params)``
from the config and load the weights; we do the same with two deliberate differences:

- the training loss (``lossconfig``: LPIPS + a discriminator) is replaced by ``torch.nn.Identity``
  before building, because LPIPS downloads a VGG16 at construction time and generation never uses
  the loss; its weights in the checkpoint (``loss.*``) are dropped;
- the remaining weights are loaded *strictly*, so a config that does not match its checkpoint
  fails loudly instead of silently generating noise.

taming imports pytorch-lightning (pinned to 1.9.5, whose ``utilities.distributed.rank_zero_only``
taming needs) and torchvision (made importable by :mod:`torchvision_compat`).
"""

from __future__ import annotations

import contextlib
import io
import pickle
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from engine.errors import BackendUnavailable
from engine.torchvision_compat import ensure_torchvision

SUPPORTED_TARGET = "taming.models.vqgan.VQModel"
_lock = threading.Lock()


def import_taming() -> tuple[Any, Any]:
    """(OmegaConf, VQModel), importing torchvision safely first; BackendUnavailable if impossible."""
    try:
        ensure_torchvision()
        with warnings.catch_warnings():
            # pytorch-lightning 1.9.5 warns about the very import taming needs, and about
            # pkg_resources namespaces; neither is actionable for us.
            for message in (".*pkg_resources.*", ".*ModuleAvailableCache.*"):
                warnings.filterwarnings("ignore", message=message)
            import pytorch_lightning  # noqa: F401 - its import installs a filter of its own

            warnings.filterwarnings("ignore", message=".*rank_zero_only.*")
            from omegaconf import OmegaConf
            from taming.models.vqgan import VQModel
    except ImportError as error:
        raise BackendUnavailable("clip+vqgan", f"taming-transformers does not import: {error}") from error
    return OmegaConf, VQModel


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The model weights of a Lightning checkpoint (or of a bare state dict).

    Tries ``weights_only=True`` first (safe unpickling). The official ``last.ckpt`` also stores
    Lightning callback and optimizer state, whose classes the safe unpickler may refuse; only then
    is the file read with full unpickling — it is the user's own copy of the official checkpoint in
    their model cache, the same trust the reference notebooks place in it.
    """
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError):
        raw = torch.load(path, map_location="cpu", weights_only=False)
    state = raw.get("state_dict", raw) if isinstance(raw, dict) else None
    if not isinstance(state, dict):
        raise BackendUnavailable("clip+vqgan", f"{path.name} holds no state_dict")
    return {k: v for k, v in state.items() if not k.startswith("loss.")}


@lru_cache(maxsize=1)
def _load(config_path: str, checkpoint_path: str, device: str) -> Any:
    OmegaConf, VQModel = import_taming()
    config = OmegaConf.load(config_path)
    target = config.model.get("target", "")
    if target != SUPPORTED_TARGET:
        raise BackendUnavailable(
            "clip+vqgan", f"model target {target!r} is not supported (only {SUPPORTED_TARGET})"
        )
    params = OmegaConf.to_container(config.model.params, resolve=True)
    params["lossconfig"] = {"target": "torch.nn.Identity"}
    params.pop("ckpt_path", None)  # we load the checkpoint ourselves, strictly
    with contextlib.redirect_stdout(io.StringIO()):  # taming prints the latent shape on build
        model = VQModel(**params)
    missing, unexpected = model.load_state_dict(read_checkpoint(Path(checkpoint_path)), strict=False)
    missing = [k for k in missing if not k.startswith("loss.")]
    if missing or unexpected:
        raise BackendUnavailable(
            "clip+vqgan",
            f"{Path(checkpoint_path).name} does not match {Path(config_path).name}: "
            f"{len(missing)} missing and {len(unexpected)} unexpected weights "
            f"(e.g. {(missing or unexpected)[0]})",
        )
    del model.loss
    return model.eval().requires_grad_(False).to(device)


def load_vqgan(config_path: Path, checkpoint_path: Path, device: str) -> Any:
    """The VQModel on ``device``, frozen; loaded once per process and kept warm."""
    with _lock:
        try:
            return _load(str(config_path), str(checkpoint_path), device)
        except (OSError, KeyError, ValueError, RuntimeError, EOFError, pickle.UnpicklingError) as error:
            raise BackendUnavailable(
                "clip+vqgan", f"cannot load VQGAN from {checkpoint_path.name}: {error}"
            ) from error


def downsampling(model: Any) -> int:
    """Pixels per latent cell (16 for the f16 models)."""
    return 2 ** (model.decoder.num_resolutions - 1)


def codebook(model: Any) -> torch.Tensor:
    return model.quantize.embedding.weight


def quantize(z: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Snap every latent vector to its nearest code, passing gradients straight through to ``z``."""
    flat = z.movedim(1, 3)  # B×H×W×C
    distances = flat.pow(2).sum(dim=-1, keepdim=True) - 2 * flat @ codes.T + codes.pow(2).sum(dim=1)
    nearest = codes[distances.argmin(dim=-1)]
    snapped = flat + (nearest - flat).detach()
    return snapped.movedim(3, 1)


def decode(model: Any, z: torch.Tensor) -> torch.Tensor:
    """Latent → image in 0..1 (clamped with straight-through gradients, so colours can recover)."""
    image = model.decode(quantize(z, codebook(model))).add(1).div(2)
    return image + (image.clamp(0, 1) - image).detach()


def encode(model: Any, image: torch.Tensor) -> torch.Tensor:
    """Image in 0..1 → latent (quantized), the start for the next scene."""
    with torch.no_grad():
        z, *_ = model.encode(image * 2 - 1)
    return z


def random_latent(
    model: Any, cells: tuple[int, int], generator: torch.Generator, device: str
) -> torch.Tensor:
    """A latent made of random codebook entries: the notebooks' start when there is no init image."""
    codes = codebook(model)
    width, height = cells
    picks = torch.randint(codes.shape[0], (height * width,), generator=generator, device=device)
    return codes[picks].view(1, height, width, codes.shape[1]).movedim(3, 1).clone()


def latent_bounds(model: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel min/max of the codebook: z is kept inside them so it stays decodable."""
    codes = codebook(model)
    return codes.min(dim=0).values.view(1, -1, 1, 1), codes.max(dim=0).values.view(1, -1, 1, 1)


def native_size(size: tuple[int, int], max_side: int, step: int) -> tuple[int, int]:
    """The video's aspect at ``max_side`` on its longer side, in whole latent cells (w, h)."""
    width, height = size
    scale = max_side / max(width, height)
    cells_w = max(1, round(width * scale / step))
    cells_h = max(1, round(height * scale / step))
    return cells_w * step, cells_h * step
