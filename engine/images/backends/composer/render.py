"""SVG drawings → crisp RGBA sprites at exactly the height a composition needs.

Vectors are rasterised by cairosvg at the target size (never scaled up from a small bitmap), with the
transparent margin trimmed so "height" means the drawing's visible height. Sprites are cached per
process: a story draws the same tree and the same dragon many times.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

from PIL import Image

from engine.images.backends.composer.index import asset_file

_lock = threading.Lock()
_PROBE = 256  # render size used once per asset to find its visible bounding box


def _rasterise(asset_id: str, width: int, height: int) -> Image.Image:
    import cairosvg

    path = asset_file(asset_id)  # raises KeyError for ids not in the index
    png = cairosvg.svg2png(url=str(path), output_width=width, output_height=height, unsafe=False)
    return Image.open(io.BytesIO(png)).convert("RGBA")


@lru_cache(maxsize=4096)
def _geometry(asset_id: str) -> tuple[float, float, tuple[float, float, float, float]]:
    """(aspect of the SVG canvas, probe height, visible box as fractions of the canvas)."""
    import cairosvg

    path = asset_file(asset_id)
    png = cairosvg.svg2png(url=str(path), output_height=_PROBE, unsafe=False)
    img = Image.open(io.BytesIO(png)).convert("RGBA")
    w, h = img.size
    box = img.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox() or (0, 0, w, h)
    return w / h, float(h), (box[0] / w, box[1] / h, box[2] / w, box[3] / h)


def visible_aspect(asset_id: str) -> float:
    """Width / height of the drawing's visible part (a cat lying down is wide, a girl's bust is not)."""
    aspect, _, (x0, y0, x1, y1) = _geometry(asset_id)
    return max(0.1, (x1 - x0) * aspect / max(1e-6, y1 - y0))


def is_cutout(asset_id: str) -> bool:
    """True when the drawing stands free (transparent around it), as opposed to clip art drawn on an
    opaque rectangle, which would paste into a scene as a box. Files that fail to render are rejected."""
    try:
        _aspect, _probe, box = _geometry(asset_id)
        coverage = _coverage(asset_id)
    except Exception:
        return False
    area = (box[2] - box[0]) * (box[3] - box[1])
    return not (area > 0.8 and coverage > 0.8)


@lru_cache(maxsize=4096)
def _coverage(asset_id: str) -> float:
    """Share of the visible box that is opaque."""
    import cairosvg

    png = cairosvg.svg2png(url=str(asset_file(asset_id)), output_height=64, unsafe=False)
    alpha = Image.open(io.BytesIO(png)).convert("RGBA").getchannel("A")
    box = alpha.getbbox()
    if box is None:
        return 0.0
    region = alpha.crop(box)
    opaque = sum(region.point(lambda a: 1 if a > 200 else 0).getdata())
    return opaque / max(1, region.width * region.height)


@lru_cache(maxsize=96)
def sprite(asset_id: str, height: int, flip: bool = False) -> Image.Image:
    """The asset's visible drawing, trimmed, ``height`` px tall (width follows its proportions)."""
    height = max(4, int(height))
    aspect, _probe, (x0, y0, x1, y1) = _geometry(asset_id)
    visible = max(1e-3, y1 - y0)
    canvas_h = max(4, round(height / visible))
    canvas_w = max(4, round(canvas_h * aspect))
    with _lock:  # cairo is thread-safe per surface, but keep peak memory low under parallel jobs
        img = _rasterise(asset_id, canvas_w, canvas_h)
    box = (
        max(0, int(x0 * canvas_w)),
        max(0, int(y0 * canvas_h)),
        min(canvas_w, round(x1 * canvas_w) + 1),
        min(canvas_h, round(y1 * canvas_h) + 1),
    )
    img = img.crop(box)
    if flip:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img


def tinted(img: Image.Image, rgb: tuple[float, float, float], amount: float) -> Image.Image:
    """Multiply a sprite's colours towards ``rgb`` (0..1 per channel) by ``amount``: dusk and night
    light fall on the characters too, so they sit in the scene instead of floating on it."""
    if amount <= 0:
        return img
    r, g, b, a = img.split()
    out = []
    for ch, f in zip((r, g, b), rgb, strict=True):
        k = 1.0 - amount * (1.0 - f)
        out.append(ch.point(lambda v, k=k: int(v * k)))
    return Image.merge("RGBA", (*out, a))


def faded(img: Image.Image, rgb: tuple[int, int, int], amount: float) -> Image.Image:
    """Blend a sprite towards the haze colour: far things look paler (aerial perspective)."""
    if amount <= 0:
        return img
    r, g, b, a = img.split()
    out = [ch.point(lambda v, c=c: int(v + (c - v) * amount)) for ch, c in zip((r, g, b), rgb, strict=True)]
    return Image.merge("RGBA", (*out, a))
