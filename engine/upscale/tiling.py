"""Run a super-resolution network over an image in overlapping tiles.

Why tiles: a whole 1280×720 picture through RRDBNet needs gigabytes of activations; tiles bound the
memory by the tile size. Why overlap: a convolutional network's output pixel depends on the input
pixels within its receptive radius, so each tile is run with ``pad`` extra input pixels of context on
every side (clipped at the image border) and only its core is kept. When ``pad`` covers the receptive
radius the result equals whole-image inference exactly (no seams), because at the image border a
tile sees the same zero padding the whole image would.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: A network call: float32 (C, h, w) in 0..1 → float32 (C, h*scale, w*scale).
ModelFn = Callable[[np.ndarray], np.ndarray]


def tile_spans(length: int, tile: int) -> list[tuple[int, int]]:
    """Split ``0..length`` into nearly equal spans of at most ``tile`` (no sliver at the end)."""
    if tile <= 0 or length <= tile:
        return [(0, length)]
    count = math.ceil(length / tile)
    step = math.ceil(length / count)
    return [(start, min(start + step, length)) for start in range(0, length, step)]


def run_tiled(
    image: np.ndarray,
    model: ModelFn,
    scale: int,
    tile: int,
    pad: int,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Apply ``model`` to ``image`` (C, H, W) tile by tile; ``tile <= 0`` means one whole-image call."""
    channels, height, width = image.shape
    rows, cols = tile_spans(height, tile), tile_spans(width, tile)
    if len(rows) == 1 and len(cols) == 1:
        out = _checked(model(image), channels, height * scale, width * scale)
        if progress is not None:
            progress(1.0)
        return out
    out = np.empty((channels, height * scale, width * scale), dtype=np.float32)
    total, done = len(rows) * len(cols), 0
    for y0, y1 in rows:
        for x0, x1 in cols:
            py0, py1 = max(0, y0 - pad), min(height, y1 + pad)
            px0, px1 = max(0, x0 - pad), min(width, x1 + pad)
            piece = model(np.ascontiguousarray(image[:, py0:py1, px0:px1]))
            piece = _checked(piece, channels, (py1 - py0) * scale, (px1 - px0) * scale)
            oy, ox = (y0 - py0) * scale, (x0 - px0) * scale
            out[:, y0 * scale : y1 * scale, x0 * scale : x1 * scale] = piece[
                :, oy : oy + (y1 - y0) * scale, ox : ox + (x1 - x0) * scale
            ]
            done += 1
            if progress is not None:
                progress(done / total)
    return out


def _checked(out: np.ndarray, channels: int, height: int, width: int) -> np.ndarray:
    if out.shape != (channels, height, width):
        raise ValueError(f"the network returned shape {out.shape}, expected {(channels, height, width)}")
    return out
