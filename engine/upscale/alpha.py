"""Transparency around super-resolution.

Real-ESRGAN sees RGB only. Two things matter for images with an alpha channel (emoji, clip art):

* the colour under fully transparent pixels is arbitrary (often black). The network spreads colour
  a few pixels, so that hidden black would bleed into the visible edge as a dark fringe. We first
  fill transparent pixels with the colour of the nearest visible ones (``bleed_colours``).
* the alpha channel itself must grow. We run it through the *same model* as a grey image by default:
  the network keeps edges crisp where a resampling filter leaves a soft halo, and clip-art outlines
  are exactly where it shows. Lanczos is the cheap option (``alpha="lanczos"``), e.g. for the slow
  RRDBNet models, where a second model pass doubles the time.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

ALPHA_MODES = ("model", "lanczos")


def has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def bleed_colours(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Fill fully transparent pixels of ``rgb`` (H, W, 3 uint8) with nearby visible colour.

    Normalised blurring: blur(colour × alpha) / blur(alpha) is the alpha-weighted mean colour of the
    neighbourhood. A small radius gives the edge colour; a wide one fills what the small misses;
    whatever is still out of reach gets the mean visible colour.
    """
    hidden = alpha == 0
    if not hidden.any() or hidden.all():
        return rgb
    weight = alpha.astype(np.float32) / 255.0
    premultiplied = rgb.astype(np.float32) * weight[..., None]
    filled = np.empty_like(premultiplied)
    filled[:] = premultiplied.sum(axis=(0, 1)) / max(weight.sum(), 1e-6)
    for radius in (16, 2):  # wide first, then the near colour overwrites where it exists
        w = _blur(weight, radius)
        reach = w > 1e-3
        colour = np.stack([_blur(premultiplied[..., c], radius) for c in range(3)], axis=-1)
        filled[reach] = colour[reach] / w[reach][:, None]
    out = rgb.copy()
    out[hidden] = np.clip(np.rint(filled[hidden]), 0, 255).astype(np.uint8)
    return out


def _blur(channel: np.ndarray, radius: int) -> np.ndarray:
    """Three box blurs (≈ Gaussian) with zero padding; both halves of the normalised blur see the
    same padding, so it cancels out in their ratio."""
    out = channel.astype(np.float32)
    for _ in range(3):
        for axis in (0, 1):
            out = _box(out, radius, axis)
    return out


def _box(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius + 1, radius)
    c = np.cumsum(np.pad(a, pad), axis=axis, dtype=np.float64)
    n = a.shape[axis]
    hi = np.take(c, np.arange(2 * radius + 1, 2 * radius + 1 + n), axis=axis)
    lo = np.take(c, np.arange(0, n), axis=axis)
    return ((hi - lo) / (2 * radius + 1)).astype(np.float32)
