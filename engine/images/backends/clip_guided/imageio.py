"""Moving pictures between PNG files and the 1×3×H×W float tensors (0..1) the generators use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from engine.errors import StageError
from engine.folder import attempt


def load_image(path: Path, size: tuple[int, int], device: str) -> torch.Tensor:
    """``path`` as RGB, cover-resized and centre-cropped to ``size`` (w, h): the init for the next scene."""
    try:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
    except (OSError, ValueError) as error:
        raise StageError("images", f"cannot read the previous scene's image {path.name}: {error}") from error
    width, height = size
    scale = max(width / rgb.width, height / rgb.height)
    resized = rgb.resize(
        (max(width, round(rgb.width * scale)), max(height, round(rgb.height * scale))),
        Image.Resampling.LANCZOS,
    )
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    cropped = resized.crop((left, top, left + width, top + height))
    array = np.asarray(cropped, dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).to(device)


def save_image(image: torch.Tensor, path: Path) -> None:
    """Write a 1×3×H×W tensor in 0..1 as an 8-bit RGB PNG (atomically, so readers never see half)."""
    array = (
        (image.detach()[0].float().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
    )
    with attempt(path) as tmp:  # renamed into place when complete (engine.folder)
        Image.fromarray(array).save(tmp, format="PNG")


def center_crop_to_aspect(image: torch.Tensor, aspect: float) -> torch.Tensor:
    """The largest centred crop of ``image`` with width/height == ``aspect`` (for square generators)."""
    _, _, height, width = image.shape
    if width / height > aspect:
        new_w = max(1, round(height * aspect))
        left = (width - new_w) // 2
        return image[:, :, :, left : left + new_w]
    new_h = max(1, round(width / aspect))
    top = (height - new_h) // 2
    return image[:, :, top : top + new_h, :]


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize to (w, h)."""
    return F.interpolate(image, size=(size[1], size[0]), mode="bilinear", align_corners=False)
