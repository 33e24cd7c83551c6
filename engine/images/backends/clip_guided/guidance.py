"""CLIP guidance: how well an image matches a text, as a differentiable loss.

A generator's output is cut into many random crops of varied size ("cutouts"), each slightly
augmented (flip, small rotation/scale/shift, colour jitter, noise) and resized to CLIP's input.
Scoring many augmented views instead of the single image stops the optimiser from finding
adversarial pixel patterns that fool CLIP without looking like anything. All augmentations are
plain torch ops (affine_grid/grid_sample), so no kornia or torchvision transforms are needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from engine.images.backends.clip_guided.clip_model import tokenize

# The normalisation CLIP was trained with (clip.clip._transform).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass
class CutoutSettings:
    count: int = 32  # crops per step; more = smoother guidance, slower
    power: float = 1.0  # >1 favours small crops (detail), <1 large ones (composition)
    min_fraction: float = 0.25  # smallest crop side as a fraction of the image's shorter side
    noise: float = 0.1  # max std of the per-crop gaussian noise
    augment: bool = True


def make_cutouts(
    image: torch.Tensor, size: int, settings: CutoutSettings, generator: torch.Generator
) -> torch.Tensor:
    """``settings.count`` augmented crops of ``image`` (1×3×H×W in 0..1), each resized to size×size."""
    _, _, height, width = image.shape
    side_max = min(height, width)
    side_min = max(1, min(side_max, int(side_max * settings.min_fraction)))
    device = image.device
    # One transfer of all the random numbers (not one GPU sync per crop).
    draws = torch.rand(settings.count, 3, generator=generator, device=device).tolist()
    crops = []
    for size_draw, top_draw, left_draw in draws:
        side = int(size_draw**settings.power * (side_max - side_min) + side_min)
        top = int(top_draw * (height - side + 1))
        left = int(left_draw * (width - side + 1))
        crop = image[:, :, top : top + side, left : left + side]
        # Mixing average and max pooling keeps thin bright details visible to CLIP.
        pooled = (F.adaptive_avg_pool2d(crop, size) + F.adaptive_max_pool2d(crop, size)) / 2
        crops.append(pooled)
    batch = torch.cat(crops)
    if settings.augment:
        batch = augment(batch, generator, settings.noise)
    return batch.clamp(0, 1)


def augment(batch: torch.Tensor, generator: torch.Generator, noise: float) -> torch.Tensor:
    """Random flip, small affine warp, colour jitter and noise, each drawn per crop."""
    n = batch.shape[0]
    device, dtype = batch.device, batch.dtype

    def uniform(low: float, high: float, *shape: int) -> torch.Tensor:
        return torch.rand(n, *shape, generator=generator, device=device, dtype=dtype) * (high - low) + low

    flip = torch.where(uniform(0, 1) < 0.5, -1.0, 1.0)
    angle = uniform(-math.pi / 12, math.pi / 12)  # ±15°
    scale = uniform(0.9, 1.1)
    shift = uniform(-0.1, 0.1, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * flip, -sin, shift[:, 0]], dim=1),
            torch.stack([sin * flip, cos, shift[:, 1]], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    warped = F.grid_sample(batch, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    brightness = uniform(-0.05, 0.05, 1, 1, 1)
    contrast = uniform(0.9, 1.1, 1, 1, 1)
    mean = warped.mean(dim=(1, 2, 3), keepdim=True)
    jittered = (warped - mean) * contrast + mean + brightness
    sigma = uniform(0, noise, 1, 1, 1)
    return jittered + sigma * torch.randn(warped.shape, generator=generator, device=device, dtype=dtype)


def spherical_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared great-circle distance between unit-normalised embeddings (0 = same direction)."""
    a = F.normalize(a, dim=-1)
    b = F.normalize(b, dim=-1)
    return (a - b).norm(dim=-1).div(2).clamp(max=1).arcsin().pow(2).mul(2)


class ClipGuide:
    """Scores images against a text (and optionally a reference image) with a frozen CLIP model."""

    def __init__(self, model: Any, text: str, settings: CutoutSettings, device: str) -> None:
        self.model = model
        self.settings = settings
        self.device = device
        self.input_size = int(model.visual.input_resolution)
        self.mean = torch.tensor(CLIP_MEAN, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(CLIP_STD, device=device).view(1, 3, 1, 1)
        tokens = tokenize(text, int(model.context_length)).to(device)
        with torch.no_grad():
            self.text_embedding = model.encode_text(tokens).float()
        self.image_targets: list[tuple[torch.Tensor, float]] = []

    def embed(self, views: torch.Tensor) -> torch.Tensor:
        """CLIP image embeddings of ``views`` (N×3×S×S in 0..1), as float32."""
        return self.model.encode_image((views - self.mean) / self.std).float()

    def add_image_target(self, image: torch.Tensor, weight: float) -> None:
        """Also pull towards a reference picture (e.g. the previous scene), with a small weight."""
        with torch.no_grad():
            view = F.interpolate(
                image, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False
            )
            self.image_targets.append((self.embed(view), weight))

    def loss(self, image: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The training loss: mean distance of augmented cutouts to the text (and image targets)."""
        embeddings = self.embed(make_cutouts(image, self.input_size, self.settings, generator))
        total = spherical_distance(embeddings, self.text_embedding).mean()
        for target, weight in self.image_targets:
            total = total + weight * spherical_distance(embeddings, target).mean()
        return total

    @torch.no_grad()
    def score(self, image: torch.Tensor, seed: int = 0) -> float:
        """The text distance over a *fixed* set of cutouts (same crops and augmentations for the
        same seed and image size), so scores before and after optimisation are comparable."""
        generator = torch.Generator(device=image.device).manual_seed(seed)
        views = make_cutouts(image, self.input_size, self.settings, generator)
        whole = F.interpolate(
            image, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False
        )
        embeddings = self.embed(torch.cat([views, whole]))
        return float(spherical_distance(embeddings, self.text_embedding).mean())
