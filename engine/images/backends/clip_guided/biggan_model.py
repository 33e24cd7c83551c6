"""Loading BigGAN-deep (pytorch-pretrained-biggan) from the model cache, and rendering its latents.

The official release is a folder with ``config.json`` and ``pytorch_model.bin`` (what
``BigGAN.from_pretrained(folder)`` reads). ``from_pretrained`` loads with ``strict=False`` and
would silently accept a mismatched file, so we read the same two files with the package's own
``BigGANConfig`` and ``BigGAN`` classes and check the weights ourselves.

Rendering follows the big-sleep approach: instead of one noise vector shared by every layer, each
generator block gets its own noise vector (all with the same class embedding), which gives CLIP
much more freedom to shape the picture. With all rows equal this is exactly ``BigGAN.forward``.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from engine.errors import BackendUnavailable

_lock = threading.Lock()
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "pytorch_model.bin"


def import_biggan() -> Any:
    """The ``pytorch_pretrained_biggan`` module; BackendUnavailable when it does not import."""
    try:
        import pytorch_pretrained_biggan
    except ImportError as error:
        raise BackendUnavailable(
            "clip+biggan", f"pytorch-pretrained-biggan does not import: {error}"
        ) from error
    return pytorch_pretrained_biggan


@lru_cache(maxsize=1)
def _load(folder: str, device: str) -> Any:
    biggan = import_biggan()
    config = biggan.BigGANConfig.from_json_file(str(Path(folder) / CONFIG_NAME))
    model = biggan.BigGAN(config)
    state = torch.load(Path(folder) / WEIGHTS_NAME, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # Spectral-norm "_v" vectors are recomputed on load from checkpoints that predate them.
    missing = [k for k in missing if not k.endswith("weight_v")]
    if missing or unexpected:
        raise BackendUnavailable(
            "clip+biggan",
            f"{WEIGHTS_NAME} does not match {CONFIG_NAME} in {folder}: {len(missing)} missing and "
            f"{len(unexpected)} unexpected weights (e.g. {(missing or unexpected)[0]})",
        )
    return model.eval().requires_grad_(False).to(device)


def load_biggan(folder: Path, device: str) -> Any:
    """The BigGAN generator on ``device``, frozen; loaded once per process and kept warm."""
    with _lock:
        try:
            return _load(str(folder), device)
        except (OSError, KeyError, ValueError, RuntimeError, EOFError) as error:
            raise BackendUnavailable("clip+biggan", f"cannot load BigGAN from {folder}: {error}") from error


def block_count(model: Any) -> int:
    """How many noise vectors a render takes: one for the input layer plus one per GenBlock."""
    blocks = sum(1 for layer in model.generator.layers if type(layer).__name__ == "GenBlock")
    return 1 + blocks


def render(model: Any, noise: torch.Tensor, classes: torch.Tensor, truncation: float) -> torch.Tensor:
    """Image in -1..1 from per-block noise (K×z_dim) and class weights (1×num_classes)."""
    gen = model.generator
    embedding = model.embeddings(classes)
    conditions = [torch.cat((noise[i : i + 1], embedding), dim=1) for i in range(noise.shape[0])]
    x = gen.gen_z(conditions[0])
    # The TF-converted weights lay the first feature map out as NHWC.
    x = x.view(-1, 4, 4, 16 * gen.config.channel_width).permute(0, 3, 1, 2).contiguous()
    index = 1
    for layer in gen.layers:
        if type(layer).__name__ == "GenBlock":
            x = layer(x, conditions[index], truncation)
            index += 1
        else:
            x = layer(x)
    x = gen.relu(gen.bn(x, truncation))
    x = gen.conv_to_rgb(x)[:, :3, ...]
    return gen.tanh(x)


#: big-sleep weighs CLIP's cosine similarity 100× against the latent terms below; our spherical
#: distance has about the same slope as the cosine near typical CLIP similarities, hence 1/100.
LATENT_WEIGHT = 0.01


def latent_penalty(noise: torch.Tensor, classes: torch.Tensor, keep_classes: int) -> torch.Tensor:
    """Keeps the search where BigGAN draws well (the big-sleep regularisers, scaled by LATENT_WEIGHT).

    Noise rows should look like N(0, 1) samples (mean 0, std 1, no huge values); the class
    weights should concentrate on a few classes, since blends of hundreds are mush.
    """
    rows = noise
    shape = (1 - rows.std(dim=1)).abs().mean() + rows.mean(dim=1).abs().mean()
    energy = 4 * torch.clamp(rows.pow(2).mean(), min=1.0)
    rest = torch.topk(classes, classes.shape[1] - keep_classes, dim=1, largest=False).values
    sparsity = (rest * 50).pow(2).mean()
    return LATENT_WEIGHT * (shape + energy + sparsity)
