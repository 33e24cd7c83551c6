"""Paints a scene's world: sky, light, ground and the horizon, before any character is placed.

Procedural painting (numpy gradients, Pillow shapes, soft blurred clouds) gives the big areas a
picture-book look at any size, and OpenMoji scenery (trees, houses, a castle, cacti) on the horizon
keeps the same flat style as the characters. Everything is driven by a seeded ``random.Random`` so a
scene always repaints the same way, and by the scene's Setting (place, time, weather, season).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from engine.images.backends.composer.render import faded, sprite, tinted
from engine.images.backends.composer.setting import Setting

RGB = tuple[int, int, int]

SKY: dict[str, tuple[RGB, RGB]] = {
    "day": ((78, 146, 220), (198, 229, 247)),
    "morning": ((112, 154, 214), (255, 210, 168)),
    "evening": ((52, 50, 118), (250, 150, 92)),
    "night": ((7, 12, 38), (38, 50, 108)),
}
#: Colour of the light falling on characters: (rgb multiplier, strength).
LIGHT: dict[str, tuple[tuple[float, float, float], float]] = {
    "day": ((1.0, 1.0, 1.0), 0.0),
    "morning": ((1.0, 0.93, 0.86), 0.15),
    "evening": ((1.0, 0.78, 0.66), 0.3),
    "night": ((0.6, 0.66, 0.95), 0.38),  # moonlight, not so strong that yellow faces turn olive
}
GRASS: dict[str, tuple[RGB, RGB]] = {  # (far, near)
    "summer": ((150, 196, 104), (82, 146, 62)),
    "spring": ((176, 214, 122), (104, 170, 76)),
    "autumn": ((206, 170, 96), (160, 112, 52)),
    "winter": ((236, 241, 249), (214, 224, 240)),
}
SAND: tuple[RGB, RGB] = ((242, 218, 166), (220, 182, 118))

# OpenMoji scenery pieces by hexcode (all in the index; ids are constants, never from text).
EVERGREEN, DECIDUOUS, LEAFLESS, PALM, CACTUS = "1F332", "1F333", "1FABE", "1F334", "1F335"
HOUSE, GARDEN_HOUSE, HUT, CASTLE, OFFICE = "1F3E0", "1F3E1", "1F6D6", "1F3F0", "1F3E2"
TULIP, BLOSSOM, HERB, FALLEN_LEAF, MAPLE, CORAL, ROCK = (
    "1F337",
    "1F33C",
    "1F33F",
    "1F342",
    "1F341",
    "1FAB8",
    "1FAA8",
)
ICEBERG, RINGED_PLANET, SNOW_MOUNTAIN, SHEAF, POTTED, FRAMED = (
    "E2C0",
    "1FA90",
    "1F3D4",
    "1F33E",
    "1FAB4",
    "1F5BC",
)


def om(hexcode: str) -> str:
    return f"openmoji:{hexcode}"


@dataclass
class Canvas:
    """The painted background plus what composition needs to know about it."""

    img: Image.Image  # RGB
    horizon: int  # y of the horizon (or the floor line / sea bed)
    stand_top: int  # characters stand between stand_top and the bottom
    haze: RGB
    light: tuple[tuple[float, float, float], float]
    water: tuple[int, int] | None = None  # y-range of open water (sea, lake) for swimmers
    sky_box: tuple[int, int] = (0, 0)  # y-range where flyers can be placed
    scenery: list[str] = field(default_factory=list)  # asset ids painted as scenery (for matches)
    sun: tuple[int, int] | None = None
    autumn: bool = False  # deciduous trees turn orange
    home_seed: int = 0  # the story's seed for things that must not change between scenes


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _shade(c: RGB, light: tuple[tuple[float, float, float], float]) -> RGB:
    rgb, amount = light
    return tuple(int(v * (1 - amount * (1 - f))) for v, f in zip(c, rgb, strict=True))  # type: ignore[return-value]


def _vgradient(w: int, h: int, top: RGB, bottom: RGB, power: float = 1.0) -> np.ndarray:
    t = np.linspace(0.0, 1.0, max(h, 1), dtype=np.float32) ** power
    col = (
        np.array(top, np.float32)[None, :] * (1 - t[:, None])
        + np.array(bottom, np.float32)[None, :] * t[:, None]
    )
    return np.repeat(col[:, None, :], w, axis=1)


def _sky_colours(s: Setting) -> tuple[RGB, RGB]:
    top, bottom = SKY[s.time]
    grey = (28, 32, 44) if s.time == "night" else (148, 156, 170)
    amount = {"cloudy": 0.35, "rain": 0.55, "snow": 0.4, "fog": 0.5, "storm": 0.7, "wind": 0.1}.get(
        s.weather, 0.0
    )
    if s.weather == "storm":
        grey = (40, 44, 60)
    return _mix(top, grey, amount), _mix(bottom, grey, amount * 0.8)


def _light(s: Setting) -> tuple[tuple[float, float, float], float]:
    rgb, amount = LIGHT[s.time]
    if s.weather in ("rain", "storm", "fog") and s.time != "night":
        rgb, amount = (0.82, 0.86, 0.95), max(amount, 0.22)
    return rgb, amount


def _autumn(img: Image.Image) -> Image.Image:
    """Turn green leaves orange and red: a hue shift of the green pixels only (trunks stay brown)."""
    rgb = img.convert("RGB").convert("HSV")
    h, s, v = (np.asarray(c, np.int16) for c in rgb.split())
    green = (h > 35) & (h < 120) & (s > 60)
    h = np.where(green, 12 + (h % 4) * 4, h)  # amber to orange, keeping the two-tone shading
    out = Image.merge("HSV", [Image.fromarray(c.astype(np.uint8), "L") for c in (h, s, v)]).convert("RGB")
    out.putalpha(img.getchannel("A"))
    return out


@lru_cache(maxsize=96)
def _piece(
    asset: str,
    height: int,
    flip: bool,
    haze: RGB,
    fade: float,
    light: tuple,
    tint: float,
    autumn: bool = False,
) -> Image.Image:
    img = sprite(asset, height, flip)
    if autumn:
        img = _autumn(img)
    img = faded(img, haze, fade)
    return tinted(img, light, tint)


def paste(canvas: Canvas, asset: str, cx: float, foot: float, height: float, flip: bool = False,
          fade: float = 0.0, light: bool = True, shadow: bool = False, max_width: float | None = None,
          inside: float | None = None) -> tuple[int, int, int, int]:  # fmt: skip
    """Draw an asset with its bottom centre at (cx, foot); returns its box."""
    rgb, amount = canvas.light if light else ((1.0, 1.0, 1.0), 0.0)
    asset = om(asset) if ":" not in asset else asset
    h = max(6, round(height / 4.0) * 4)  # quantised heights let the sprite cache work
    autumn = canvas.autumn and asset == om(DECIDUOUS)
    img = _piece(asset, h, flip, canvas.haze, round(fade, 2), rgb, amount, autumn)
    if max_width is not None and img.width > max_width:
        h = max(6, int(h * max_width / img.width / 4) * 4)
        img = _piece(asset, h, flip, canvas.haze, round(fade, 2), rgb, amount, autumn)
    if inside is not None:  # keep at least this share of the drawing's width within the picture
        slack = img.width * (1 - inside)
        cx = min(max(cx, img.width / 2 - slack), canvas.img.width - img.width / 2 + slack)
    x, y = int(cx - img.width / 2), int(foot - img.height)
    if shadow:
        _contact_shadow(canvas.img, cx, foot, img.width * 0.85)
    canvas.img.paste(img, (x, y), img)
    return x, y, x + img.width, y + img.height


def _contact_shadow(img: Image.Image, cx: float, foot: float, width: float) -> None:
    """A soft ellipse under a standing figure: characters stand on the ground instead of floating."""
    ew, eh = max(8, int(width)), max(4, int(width * 0.16))
    pad = max(4, eh)
    patch = Image.new("RGBA", (ew + 2 * pad, eh + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(patch).ellipse((pad, pad, pad + ew, pad + eh), fill=(18, 26, 18, 95))
    patch = patch.filter(ImageFilter.GaussianBlur(pad / 2.5))
    img.paste(patch, (int(cx - ew / 2 - pad), int(foot - eh / 2 - pad - eh * 0.15)), patch)


# ----------------------------------------------------------------------------------------------- sky


def _glow(size: int, colour: RGB, strength: float) -> Image.Image:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2
    d = np.sqrt((xx - c) ** 2 + (yy - c) ** 2) / c
    alpha = np.clip(1 - d, 0, 1) ** 2.2 * 255 * strength
    arr = np.zeros((size, size, 4), np.uint8)
    arr[..., :3] = colour
    arr[..., 3] = alpha.astype(np.uint8)
    return Image.fromarray(arr, "RGBA")


def _sun(img: Image.Image, x: int, y: int, r: int, time: str) -> None:
    colour = {"morning": (255, 226, 150), "evening": (255, 170, 90)}.get(time, (255, 244, 190))
    g = _glow(r * 6, colour, 0.55)
    img.paste(g, (x - r * 3, y - r * 3), g)
    d = ImageDraw.Draw(img)
    d.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _moon(img: Image.Image, x: int, y: int, r: int) -> None:
    g = _glow(r * 6, (200, 214, 255), 0.35)
    img.paste(g, (x - r * 3, y - r * 3), g)
    size = r * 2 + 2
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    full = (xx - r) ** 2 + (yy - r) ** 2 <= r * r
    bite = (xx - r * 1.55) ** 2 + (yy - r * 0.75) ** 2 <= (r * 0.92) ** 2
    mask = full & ~bite
    arr = np.zeros((size, size, 4), np.uint8)
    arr[..., :3] = (250, 244, 214)
    arr[..., 3] = mask.astype(np.uint8) * 255
    m = Image.fromarray(arr, "RGBA").filter(ImageFilter.SMOOTH)
    img.paste(m, (x - r, y - r), m)


def _stars(img: Image.Image, rng: random.Random, bottom: int, count: int) -> None:
    d = ImageDraw.Draw(img, "RGBA")
    w = img.width
    for _ in range(count):
        x, y = rng.randrange(w), int(rng.random() ** 1.4 * bottom)
        a = rng.randint(120, 255)
        r = rng.choice((0.8, 1.0, 1.2, 1.6, 2.2))
        d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 250, 225, a))
        if r > 2:  # a few bright stars twinkle
            d.line((x - 5 * r, y, x + 5 * r, y), fill=(255, 250, 225, a // 3))
            d.line((x, y - 5 * r, x, y + 5 * r), fill=(255, 250, 225, a // 3))


def _clouds(
    img: Image.Image, rng: random.Random, top: float, bottom: float, count: int, colour: RGB, alpha: int
) -> None:
    """Soft clouds: ellipse clusters painted at quarter size and blurred, like wet watercolour."""
    w, h = img.size
    small = Image.new("RGBA", (w // 4 + 1, h // 4 + 1), (*colour, 0))
    d = ImageDraw.Draw(small)
    for _ in range(count):
        cx, cy = rng.uniform(-0.05, 1.05) * w / 4, rng.uniform(top, bottom) / 4
        scale = rng.uniform(0.6, 1.4) * w / 1280
        for _ in range(rng.randint(4, 7)):
            rx, ry = rng.uniform(14, 30) * scale, rng.uniform(8, 15) * scale
            ox, oy = rng.uniform(-30, 30) * scale, rng.uniform(-6, 4) * scale
            d.ellipse((cx + ox - rx, cy + oy - ry, cx + ox + rx, cy + oy + ry), fill=(*colour, alpha))
        d.rectangle((cx - 34 * scale, cy + 2 * scale, cx + 34 * scale, cy + 8 * scale), fill=(*colour, alpha))
    small = small.filter(ImageFilter.GaussianBlur(1.6))
    layer = small.resize((w, h), Image.Resampling.BILINEAR)
    img.paste(layer, (0, 0), layer)


def _sky(canvas: Canvas, s: Setting, rng: random.Random) -> None:
    img, hz = canvas.img, canvas.horizon
    w = img.width
    if s.time == "night" or s.place == "space":
        _stars(img, rng, hz, int(w * hz / 3500) + 40)
    r = max(14, int(min(w, img.height) * 0.055))
    x = int(w * rng.choice((0.18, 0.28, 0.72, 0.82)))
    if s.time == "night":
        if s.weather in ("clear", "wind", "snow", "cloudy"):
            y = int(hz * rng.uniform(0.18, 0.32))
            _moon(img, x, y, r)
            canvas.sun = (x, y)
    elif s.weather in ("clear", "wind", "cloudy"):
        share = {"morning": 0.7, "evening": 0.72}.get(s.time, 0.22)
        y = int(hz * share * rng.uniform(0.9, 1.05))
        _sun(img, x, y, r, s.time)
        canvas.sun = (x, y)
    n = {"clear": 3, "wind": 4, "cloudy": 8, "rain": 10, "storm": 12, "snow": 8, "fog": 5}[s.weather]
    top_c, bottom_c = _sky_colours(s)
    if s.time == "night":
        colour, alpha = _mix(bottom_c, (150, 160, 200), 0.35), 120
    elif s.weather in ("rain", "storm"):
        colour, alpha = _mix(top_c, (90, 96, 110), 0.5), 220
    elif s.time == "evening":
        colour, alpha = (255, 196, 170), 200
    else:
        colour, alpha = (255, 255, 255), 225
    _clouds(img, rng, hz * 0.05, hz * 0.6, n, colour, alpha)


# -------------------------------------------------------------------------------------------- ground


def _profile(
    w: int, base: float, amp: float, rng: random.Random, waves: int = 3
) -> list[tuple[float, float]]:
    phases = [(rng.uniform(0.6, 2.6) * (k + 1), rng.uniform(0, 6.3)) for k in range(waves)]
    pts = []
    for i in range(0, 65):
        x = w * i / 64
        y = base + sum(amp / (k + 1) * math.sin(f * x / w * math.pi + p) for k, (f, p) in enumerate(phases))
        pts.append((x, y))
    return pts


def _hills(canvas: Canvas, rng: random.Random, colour: RGB, base: float, amp: float, bottom: int) -> list:
    w = canvas.img.width
    pts = _profile(w, base, amp, rng)
    ImageDraw.Draw(canvas.img).polygon([*pts, (w, bottom), (0, bottom)], fill=colour)
    return pts


def _ground(canvas: Canvas, far: RGB, near: RGB) -> None:
    hz = canvas.horizon
    w, h = canvas.img.size
    arr = _vgradient(w, h - hz, far, near, 0.8)
    canvas.img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, hz))


def _tufts(canvas: Canvas, rng: random.Random, colour: RGB, count: int) -> None:
    """Little strokes of grass: the painted ground reads as a meadow, not a flat colour."""
    d = ImageDraw.Draw(canvas.img, "RGBA")
    w, h = canvas.img.size
    hz = canvas.horizon
    for _ in range(count):
        y = hz + (h - hz) * rng.random() ** 0.7
        x = rng.uniform(0, w)
        k = (y - hz) / max(1, h - hz)
        ln = 3 + 10 * k * h / 720
        for dx in (-2, 0, 2):
            d.line((x, y, x + dx * 1.5, y - ln), fill=(*colour, 150), width=max(1, int(1 + k * 1.5)))


def _mountains(
    canvas: Canvas, rng: random.Random, colour: RGB, base: float, height: float, snow: bool
) -> None:
    w = canvas.img.width
    d = ImageDraw.Draw(canvas.img)
    n = rng.randint(3, 5)
    xs = sorted(rng.uniform(-0.1, 1.1) * w for _ in range(n))
    for x in xs:
        ph = height * rng.uniform(0.6, 1.0)
        half = ph * rng.uniform(1.1, 1.6)
        peak = (x, base - ph)
        d.polygon([(x - half, base), peak, (x + half, base)], fill=colour)
        shade = _mix(colour, (0, 0, 0), 0.15)
        d.polygon([peak, (x + half, base), (x + half * 0.25, base)], fill=shade)
        if snow:
            t = 0.3
            left, right = (x - half * t, peak[1] + ph * t), (x + half * t, peak[1] + ph * t)
            mid1, mid2 = (
                (x - half * t / 3, peak[1] + ph * t * 0.75),
                (x + half * t / 3, peak[1] + ph * t * 1.1),
            )
            d.polygon([peak, right, mid2, (x, peak[1] + ph * t * 0.85), mid1, left], fill=(244, 248, 255))


def _water(canvas: Canvas, rng: random.Random, s: Setting, top: int, bottom: int) -> None:
    img = canvas.img
    w = img.width
    _sky_top, sky_bottom = _sky_colours(s)
    far = _mix(sky_bottom, (40, 120, 180), 0.45)
    near = _shade((22, 84, 150), canvas.light)
    arr = _vgradient(w, bottom - top, far, near, 0.7)
    img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, top))
    d = ImageDraw.Draw(img, "RGBA")
    for _ in range(int(w / 8)):
        y = top + (bottom - top) * rng.random() ** 1.5
        k = (y - top) / max(1, bottom - top)
        x = rng.uniform(0, w)
        ln = 6 + 40 * k
        d.line((x, y, x + ln, y), fill=(255, 255, 255, int(40 + 60 * k)), width=1 + int(k * 2))
    if canvas.sun is not None:  # the path of light on the water under the sun or moon
        sx = canvas.sun[0]
        glint = (255, 236, 180, 150) if s.time != "night" else (240, 240, 255, 120)
        for _ in range(60):
            y = top + (bottom - top) * rng.random()
            k = (y - top) / max(1, bottom - top)
            x = sx + rng.gauss(0, 8 + 40 * k)
            ln = 4 + 30 * k
            d.line((x - ln / 2, y, x + ln / 2, y), fill=glint, width=1 + int(k * 2))
    canvas.water = (top, bottom)


def _row(canvas: Canvas, rng: random.Random, assets: list[str], n: int, foot: float, height: float,
         fade: float, spread: float = 1.0, avoid: tuple[float, float] | None = None) -> None:  # fmt: skip
    w = canvas.img.width
    xs = sorted(rng.uniform(-0.04, 1.04) * w for _ in range(n))
    for x in xs:
        if avoid and avoid[0] < x < avoid[1]:
            continue
        hh = height * rng.uniform(0.8, 1.15)
        paste(canvas, rng.choice(assets), x, foot + rng.uniform(-0.15, 0.15) * height * spread, hh,
              rng.random() < 0.5, fade)  # fmt: skip


def _fence(canvas: Canvas, y: float, height: float, x0: float, x1: float) -> None:
    d = ImageDraw.Draw(canvas.img)
    colour = _shade((150, 104, 62), canvas.light)
    step = height * 0.5
    x = x0
    while x < x1:
        d.rectangle((x, y - height, x + step * 0.18, y), fill=colour)
        x += step
    d.rectangle((x0, y - height * 0.75, x1, y - height * 0.65), fill=colour)
    d.rectangle((x0, y - height * 0.4, x1, y - height * 0.3), fill=colour)


def _skyline(canvas: Canvas, rng: random.Random, base: int, colour: RGB, max_h: float, lit: bool) -> None:
    d = ImageDraw.Draw(canvas.img)
    w = canvas.img.width
    x = -rng.uniform(0, 40)
    while x < w:
        bw, bh = rng.uniform(0.04, 0.09) * w, rng.uniform(0.35, 1.0) * max_h
        d.rectangle((x, base - bh, x + bw, base), fill=colour)
        if lit:
            for wy in range(int(base - bh + 8), int(base - 6), 14):
                for wx in range(int(x + 5), int(x + bw - 6), 11):
                    if rng.random() < 0.35:
                        d.rectangle((wx, wy, wx + 4, wy + 6), fill=(255, 220, 130))
        x += bw + rng.uniform(0, 0.02) * w


# -------------------------------------------------------------------------------------------- places


@dataclass
class _Land:
    """What every place painter needs besides the canvas (one scene's ground, trees and room)."""

    s: Setting
    rng: random.Random
    w: int
    h: int
    hz: int
    u: int
    side: int
    landmark: bool
    season: str
    light: tuple[tuple[float, float, float], float]
    far: RGB
    near: RGB
    bottom: RGB

    @property
    def tree(self) -> str:
        return EVERGREEN if self.season == "winter" else DECIDUOUS

    @property
    def avoid(self) -> tuple[float, float]:
        """Where scenery must not crowd: the cast's side of the picture."""
        w, side = self.w, self.side
        return (w * 0.3, w * 0.7) if side == 0 else ((w * 0.5, w * 1.1) if side > 0 else (-w * 0.1, w * 0.5))


def paint(size: tuple[int, int], s: Setting, rng: random.Random, horizon_frac: float, side: int,
          landmark: bool = True, home_seed: int = 0) -> Canvas:  # fmt: skip
    """The background for one scene. ``side`` (-1/1) says where scenery may crowd, away from the cast;
    ``landmark=False`` leaves out the place's big piece (castle, houses) when the scene brings its own."""
    w, h = size
    hz = int(h * horizon_frac)
    light = _light(s)
    top, bottom = _sky_colours(s)
    canvas = Canvas(Image.new("RGB", size), hz, hz, bottom, light, sky_box=(int(h * 0.06), int(hz * 0.7)))
    canvas.home_seed = home_seed
    if s.place == "underwater":
        return _underwater(canvas, rng)
    if s.place == "room":
        return _room(canvas, s, rng, side)
    arr = _vgradient(w, hz, top, bottom, 1.2)
    canvas.img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, 0))
    if s.place == "space":
        return _space(canvas, rng)
    _sky(canvas, s, rng)
    season = "winter" if s.place == "snowland" else s.season
    canvas.autumn = season == "autumn"
    far, near = SAND if s.place == "desert" else GRASS[season]
    far, near = _shade(far, light), _shade(near, light)
    canvas.haze = _mix(bottom, far, 0.25)
    land = _Land(s, rng, w, h, hz, min(w, h), side, landmark, season, light, far, near, bottom)
    _distance(canvas, land)
    if s.place == "sea":
        return _sea(canvas, land)
    _ground(canvas, far, near)
    grass = _mix(near, (30, 80, 30), 0.35) if season != "winter" else _mix(near, (170, 186, 210), 0.5)
    if s.place not in ("city", "desert", "snowland"):
        _tufts(canvas, rng, grass, int(w * h / 9000))
    canvas.stand_top = hz + int((h - hz) * 0.3)
    front = _FRONT.get(s.place)
    if front is not None:
        front(canvas, land)
    return canvas


def _distance(canvas: Canvas, land: _Land) -> None:
    """What stands on the horizon: mountain ranges, hills, a skyline."""
    place, rng, light, hz, u, bottom = land.s.place, land.rng, land.light, land.hz, land.u, land.bottom
    if place in ("mountains", "snowland"):
        _mountains(canvas, rng, _mix(_shade((96, 110, 150), light), bottom, 0.45), hz, u * 0.45, True)
        snowy = land.season == "winter" or place == "snowland"
        _mountains(canvas, rng, _shade((84, 96, 128), light), hz + 4, u * 0.3, snowy)
    elif place in ("forest", "field", "village", "castle", "lake"):
        _hills(canvas, rng, _mix(land.far, bottom, 0.45), hz - u * 0.05, u * 0.04, hz + 2)
    elif place == "city":
        _skyline(canvas, rng, hz, _mix(_shade((110, 120, 150), light), bottom, 0.4), u * 0.45, False)
        _skyline(canvas, rng, hz, _shade((78, 84, 110), light), u * 0.3, land.s.time in ("night", "evening"))
    elif place == "desert":
        _hills(canvas, rng, _mix(SAND[0], bottom, 0.3), hz - u * 0.03, u * 0.03, hz + 2)


def _sea(canvas: Canvas, land: _Land) -> Canvas:
    w, h, hz, rng = land.w, land.h, land.hz, land.rng
    _water(canvas, rng, land.s, hz, h)
    beach = int(h - (h - hz) * rng.uniform(0.32, 0.42))
    pts = _profile(w, beach, (h - hz) * 0.04, rng, 2)
    ImageDraw.Draw(canvas.img).polygon([*pts, (w, h), (0, h)], fill=_shade(SAND[1], land.light))
    canvas.water = (hz, beach)
    canvas.stand_top = beach + int((h - beach) * 0.15)
    return canvas


def _forest(canvas: Canvas, land: _Land) -> None:
    w, h, hz, u, rng = land.w, land.h, land.hz, land.u, land.rng
    _row(canvas, rng, [EVERGREEN], int(w / 45), hz - 2, u * 0.13, 0.5)
    _row(canvas, rng, [EVERGREEN, land.tree], int(w / 110), hz + u * 0.06, u * 0.26, 0.22, avoid=land.avoid)
    for x in (0.0, w * 1.0):  # tall firs framing the picture
        paste(canvas, EVERGREEN, x + rng.uniform(-0.03, 0.03) * w, h - (h - hz) * 0.25,
              (h - hz) * 0.75 + u * 0.25, rng.random() < 0.5)  # fmt: skip
    canvas.scenery.append(om(EVERGREEN))


def _field(canvas: Canvas, land: _Land) -> None:
    w, h, hz, u, rng, season, tree = land.w, land.h, land.hz, land.u, land.rng, land.season, land.tree
    if land.landmark:
        paste(
            canvas, tree, w * (0.82 if land.side <= 0 else 0.18), hz + u * 0.1, u * 0.42, rng.random() < 0.5
        )
    _row(canvas, rng, [tree, EVERGREEN], int(w / 260), hz, u * 0.1, 0.45)
    if season != "winter":
        flowers = [FALLEN_LEAF, MAPLE] if season == "autumn" else [TULIP, BLOSSOM]
        _row(canvas, rng, flowers, int(w / 70), h - (h - hz) * 0.45, u * 0.045, 0.0, spread=6)
    canvas.scenery.append(om(tree))


def _village(canvas: Canvas, land: _Land) -> None:
    w, hz, u, rng = land.w, land.hz, land.u, land.rng
    houses = [HOUSE, GARDEN_HOUSE, HUT]
    xs = [w * x for x in ((0.12, 0.3, 0.86) if land.side >= 0 else (0.14, 0.7, 0.88))]
    for x in xs if land.landmark else xs[:1]:
        paste(canvas, rng.choice(houses), x + rng.uniform(-20, 20), hz + u * 0.05, u * rng.uniform(0.2, 0.26))
    _fence(canvas, hz + u * 0.12, u * 0.05, 0, w)
    _row(canvas, rng, [land.tree], int(w / 300), hz, u * 0.14, 0.35)
    canvas.scenery += [om(HOUSE)]


def _castle(canvas: Canvas, land: _Land) -> None:
    w, hz, u, rng = land.w, land.hz, land.u, land.rng
    x = w * (0.78 if land.side <= 0 else 0.22)
    _hills(canvas, rng, _mix(land.far, land.near, 0.3), hz + u * 0.02, u * 0.02, hz + int(u * 0.1))
    if land.landmark:
        paste(canvas, CASTLE, x, hz + u * 0.04, u * 0.42, rng.random() < 0.5, 0.12, inside=1.0)
    _row(canvas, rng, [EVERGREEN, land.tree], int(w / 200), hz + u * 0.05, u * 0.14, 0.3,
         avoid=(x - u * 0.25, x + u * 0.25))  # fmt: skip
    canvas.scenery.append(om(CASTLE))


def _lake(canvas: Canvas, land: _Land) -> None:
    w, h, hz, u, rng = land.w, land.h, land.hz, land.u, land.rng
    _row(canvas, rng, [EVERGREEN, land.tree], int(w / 90), hz + 2, u * 0.12, 0.4)
    top_w, bot = hz + int((h - hz) * 0.08), hz + int((h - hz) * 0.42)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((-w * 0.2, top_w, w * 1.2, bot + (bot - top_w)), fill=255)
    ImageDraw.Draw(mask).rectangle((0, bot, w, h), fill=0)
    water = canvas.img.copy()
    tmp = Canvas(water, hz, hz, canvas.haze, land.light, sun=canvas.sun)
    _water(tmp, rng, land.s, top_w, bot)
    canvas.img.paste(water, (0, 0), mask)
    canvas.water = (top_w, bot)
    canvas.stand_top = bot + int((h - bot) * 0.2)
    _row(canvas, rng, [HERB], int(w / 160), bot + 4, u * 0.06, 0.0)


def _mountain_front(canvas: Canvas, land: _Land) -> None:
    w, h, hz, u, rng = land.w, land.h, land.hz, land.u, land.rng
    _row(canvas, rng, [EVERGREEN], int(w / 90), hz + u * 0.02, u * 0.12, 0.35, avoid=land.avoid)
    paste(
        canvas, ROCK, w * (0.9 if land.side <= 0 else 0.1), h - (h - hz) * 0.2, u * 0.14, rng.random() < 0.5
    )
    canvas.scenery.append(om(SNOW_MOUNTAIN))


def _city(canvas: Canvas, land: _Land) -> None:
    w, h, hz, u, rng, side = land.w, land.h, land.hz, land.u, land.rng, land.side
    if land.landmark:
        paste(canvas, HOUSE, w * (0.85 if side <= 0 else 0.15), hz + u * 0.06, u * 0.24)
    paste(canvas, OFFICE, w * (0.7 if side <= 0 else 0.3), hz + u * 0.02, u * 0.3, fade=0.15)
    ImageDraw.Draw(canvas.img).rectangle((0, hz + (h - hz) * 0.45, w, hz + (h - hz) * 0.62),
                                         fill=_shade((120, 124, 134), land.light))  # fmt: skip
    _row(canvas, rng, [DECIDUOUS], int(w / 300), hz + u * 0.08, u * 0.16, 0.1, avoid=land.avoid)
    canvas.scenery.append(om(OFFICE))


def _desert(canvas: Canvas, land: _Land) -> None:
    _row(canvas, land.rng, [CACTUS], 3, land.hz + land.u * 0.08, land.u * 0.16, 0.1, avoid=land.avoid)
    canvas.scenery.append(om(CACTUS))


def _snowland(canvas: Canvas, land: _Land) -> None:
    _ice(canvas, land.rng, land.hz, land.u)
    canvas.scenery.append("painted:ice")


#: The foreground of each outdoor place (sea, room, space and underwater are painted separately).
_FRONT = {
    "forest": _forest, "field": _field, "village": _village, "castle": _castle, "lake": _lake,
    "mountains": _mountain_front, "city": _city, "desert": _desert, "snowland": _snowland,
}  # fmt: skip


def _ice(canvas: Canvas, rng: random.Random, hz: int, u: int) -> None:
    """Ice floes on the horizon: flat-topped white slabs with a blue shadow side."""
    d = ImageDraw.Draw(canvas.img)
    w = canvas.img.width
    for _ in range(rng.randint(3, 5)):
        x, bw, bh = rng.uniform(0, 1) * w, rng.uniform(0.08, 0.2) * w, rng.uniform(0.03, 0.09) * u
        top = hz - bh
        slant, left, right = bw * 0.15, x - bw / 2, x + bw / 2
        slab = [(left, hz + 2), (left + slant, top), (right - slant, top), (right, hz + 2)]
        d.polygon(slab, fill=_shade((246, 250, 255), canvas.light))
        d.polygon([(x + bw / 6, top), (x + bw / 2 - slant, top), (x + bw / 2, hz + 2), (x + bw / 4, hz + 2)],
                  fill=_shade((190, 214, 236), canvas.light))  # fmt: skip


def _underwater(canvas: Canvas, rng: random.Random) -> Canvas:
    img = canvas.img
    w, h = img.size
    arr = _vgradient(w, h, (70, 170, 210), (12, 46, 96), 0.9)
    img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, 0))
    d = ImageDraw.Draw(img, "RGBA")
    for _ in range(6):  # light shafts from the surface
        x = rng.uniform(0, w)
        d.polygon([(x, 0), (x + w * 0.05, 0), (x + w * 0.2, h), (x + w * 0.1, h)], fill=(255, 255, 255, 18))
    bed = int(h * 0.8)
    pts = _profile(w, bed, h * 0.02, rng, 2)
    d.polygon([*pts, (w, h), (0, h)], fill=(206, 184, 130))
    _row(canvas, rng, [CORAL, HERB], int(w / 120), bed + h * 0.03, min(w, h) * 0.14, 0.0)
    for _ in range(40):
        x, y, r = rng.uniform(0, w), rng.uniform(0, bed), rng.uniform(2, 7)
        d.ellipse((x - r, y - r, x + r, y + r), outline=(230, 250, 255, 140), width=1)
    canvas.horizon, canvas.stand_top = bed, bed + int((h - bed) * 0.3)
    canvas.water = (int(h * 0.1), bed)
    canvas.haze = (40, 110, 160)
    canvas.light = ((0.72, 0.9, 1.0), 0.3)
    canvas.sky_box = (int(h * 0.08), int(h * 0.5))
    canvas.scenery.append(om(CORAL))
    return canvas


def _space(canvas: Canvas, rng: random.Random) -> Canvas:
    img = canvas.img
    w, h = img.size
    arr = _vgradient(w, h, (6, 6, 24), (24, 16, 60), 1.0)
    img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, 0))
    _clouds(img, rng, h * 0.1, h * 0.6, 4, (120, 70, 170), 70)  # nebula
    _stars(img, rng, h, int(w * h / 2500))
    u = min(w, h)
    px, py, pr = w * rng.choice((0.15, 0.85)), h * 0.22, u * 0.12
    g = _glow(int(pr * 3), (120, 160, 255), 0.4)
    img.paste(g, (int(px - pr * 1.5), int(py - pr * 1.5)), g)
    yy, xx = np.mgrid[0 : int(2 * pr), 0 : int(2 * pr)].astype(np.float32)
    d2 = ((xx - pr) ** 2 + (yy - pr) ** 2) / pr**2
    shade = np.clip(1.1 - ((xx - pr * 0.6) ** 2 + (yy - pr * 0.6) ** 2) / (2.2 * pr**2), 0.25, 1)
    planet = np.zeros((*d2.shape, 4), np.uint8)
    planet[..., 0] = (90 * shade).astype(np.uint8)
    planet[..., 1] = (150 * shade).astype(np.uint8)
    planet[..., 2] = (230 * shade).astype(np.uint8)
    planet[..., 3] = (d2 <= 1).astype(np.uint8) * 255
    p = Image.fromarray(planet, "RGBA")
    img.paste(p, (int(px - pr), int(py - pr)), p)
    paste(canvas, RINGED_PLANET, w - px, h * 0.3, u * 0.1, light=False)
    ground = int(h * 0.78)
    pts = _profile(w, ground, h * 0.02, rng, 2)
    d = ImageDraw.Draw(img)
    d.polygon([*pts, (w, h), (0, h)], fill=(132, 126, 150))
    for _ in range(8):
        cx, cy, r = rng.uniform(0, w), rng.uniform(ground + 10, h), rng.uniform(10, 40) * u / 720
        d.ellipse((cx - r, cy - r * 0.35, cx + r, cy + r * 0.35), fill=(104, 98, 124))
    canvas.horizon, canvas.stand_top = ground, ground + int((h - ground) * 0.3)
    canvas.haze = (40, 30, 80)
    canvas.light = ((0.85, 0.85, 1.0), 0.12)
    canvas.sky_box = (int(h * 0.1), int(h * 0.55))
    canvas.scenery.append(om(RINGED_PLANET))
    return canvas


def _room(canvas: Canvas, s: Setting, rng: random.Random, side: int) -> Canvas:
    img = canvas.img
    w, h = img.size
    floor = int(h * 0.68)
    home = random.Random(canvas.home_seed)  # the same room (walls, rug) in every scene of a story
    wall = home.choice(((236, 214, 176), (214, 226, 206), (226, 206, 214), (206, 218, 232)))
    lamp = s.time in ("night", "evening")
    light = ((1.0, 0.86, 0.66), 0.3) if lamp else ((1.0, 1.0, 1.0), 0.0)
    wall_top = _shade(_mix(wall, (0, 0, 0), 0.12), light)
    arr = _vgradient(w, floor, wall_top, _shade(wall, light), 1.0)
    img.paste(Image.fromarray(arr.astype(np.uint8), "RGB"), (0, 0))
    d = ImageDraw.Draw(img, "RGBA")
    stripe = _mix(wall, (255, 255, 255), 0.25)
    for x in range(0, w, max(24, w // 28)):
        d.rectangle((x, 0, x + max(6, w // 120), floor), fill=(*stripe, 70))
    wood = _shade((150, 98, 58), light)
    floor_arr = _vgradient(w, h - floor, _mix(wood, (0, 0, 0), 0.15), wood, 1.0)
    img.paste(Image.fromarray(floor_arr.astype(np.uint8), "RGB"), (0, floor))
    for y in range(floor, h, max(10, (h - floor) // 6)):
        d.line((0, y, w, y), fill=(90, 56, 30, 90), width=2)
    d.rectangle((0, floor - h * 0.02, w, floor), fill=_mix(wood, (0, 0, 0), 0.3))
    # the window shows the world outside, at the scene's time of day
    ww, wh = int(min(w, h) * 0.34), int(min(w, h) * 0.3)
    wx = int(w * {-1: 0.72, 0: 0.42, 1: 0.1}.get(side, 0.72))  # opposite the cast; between a pair
    wy = int(h * 0.14)
    outside = Image.new("RGB", (ww, wh))
    sky = _vgradient(ww, wh, *SKY[s.time], 1.0)
    outside.paste(Image.fromarray(sky.astype(np.uint8), "RGB"))
    if s.time == "night":
        _stars(outside, rng, wh, 25)
        _moon(outside, ww // 3, wh // 3, max(8, ww // 12))
    else:
        _clouds(outside, rng, 0, wh * 0.6, 2, (255, 255, 255), 200)
    img.paste(outside, (wx, wy))
    frame = (120, 80, 48)
    d.rectangle((wx, wy, wx + ww, wy + wh), outline=frame, width=max(6, ww // 22))
    d.line((wx + ww // 2, wy, wx + ww // 2, wy + wh), fill=frame, width=max(4, ww // 40))
    d.line((wx, wy + wh // 2, wx + ww, wy + wh // 2), fill=frame, width=max(4, ww // 40))
    d.rectangle((wx - 10, wy + wh, wx + ww + 10, wy + wh + 10), fill=frame)
    rug = _mix(home.choice(((180, 60, 60), (60, 90, 160), (170, 130, 50))), (0, 0, 0), 0.1)
    d.ellipse((w * 0.2, floor + (h - floor) * 0.35, w * 0.8, h - (h - floor) * 0.05), fill=_shade(rug, light))
    paste(
        canvas,
        POTTED,
        w * (0.06 if side <= 0 else 0.94),
        floor + (h - floor) * 0.2,
        min(w, h) * 0.2,
        light=False,
    )
    if lamp:
        g = _glow(int(min(w, h) * 0.9), (255, 210, 140), 0.35)
        img.paste(g, (int(w * 0.5 - g.width / 2), int(h * 0.1 - g.height / 2)), g)
    canvas.horizon, canvas.stand_top = floor, floor + int((h - floor) * 0.25)
    canvas.haze = wall
    canvas.light = light
    canvas.sky_box = (int(h * 0.1), int(h * 0.35))
    canvas.scenery.append("painted:room")  # walls, floor and a window onto the scene's sky
    return canvas


# ----------------------------------------------------------------------------------- weather + finish


def weather(canvas: Canvas, s: Setting, rng: random.Random) -> None:
    """Rain, snow, fog and lightning go over everything, characters included."""
    img = canvas.img
    w, h = img.size
    d = ImageDraw.Draw(img, "RGBA")
    if s.weather in ("rain", "storm"):
        for _ in range(int(w * h / 2500)):
            x, y = rng.uniform(-40, w), rng.uniform(-20, h)
            ln = rng.uniform(10, 24) * h / 720
            d.line((x, y, x + ln * 0.3, y + ln), fill=(210, 220, 240, 110), width=1)
    if s.weather == "storm":
        x, y = rng.uniform(0.2, 0.8) * w, 0.0
        pts = [(x, y)]
        while y < canvas.horizon * 0.8:
            x += rng.uniform(-30, 30) * w / 1280
            y += rng.uniform(20, 50) * h / 720
            pts.append((x, y))
        d.line(pts, fill=(255, 255, 210, 230), width=max(2, w // 400))
    if s.weather == "snow" or (s.season == "winter" and s.weather == "cloudy"):
        for _ in range(int(w * h / 3000)):
            x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.choice((1.2, 1.8, 2.5, 3.5)) * h / 720
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 200))
    if s.weather == "fog":
        hz = canvas.horizon
        fog = np.zeros((h, w, 4), np.uint8)
        fog[..., :3] = (226, 230, 236)
        t = np.exp(-(((np.arange(h, dtype=np.float32) - hz) / (h * 0.22)) ** 2)) * 190
        fog[..., 3] = t[:, None].astype(np.uint8)
        layer = Image.fromarray(fog, "RGBA")
        img.paste(layer, (0, 0), layer)
    if s.weather == "wind":
        for _ in range(6):
            y, x = rng.uniform(0.1, 0.5) * h, rng.uniform(0, w * 0.7)
            d.arc((x, y, x + w * 0.25, y + h * 0.06), 200, 340, fill=(255, 255, 255, 140), width=2)


@lru_cache(maxsize=3)
def _vignette(size: tuple[int, int], strength: float) -> np.ndarray:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 2
    return (1 - strength * d**1.5)[..., None].astype(np.float32)


@lru_cache(maxsize=3)
def _grain(size: tuple[int, int], seed: int) -> np.ndarray:
    w, h = size
    rs = np.random.default_rng(seed)
    small = rs.normal(0, 1, (h // 2 + 1, w // 2 + 1)).astype(np.float32)
    return np.kron(small, np.ones((2, 2), np.float32))[:h, :w, None]


STYLES: dict[str, dict] = {
    "warm": {"grade": (1.04, 1.0, 0.93), "vignette": 0.28, "grain": 4.0},
    "cool": {"grade": (0.96, 1.0, 1.05), "vignette": 0.3, "grain": 3.0},
    "golden": {"grade": (1.06, 1.02, 0.9), "vignette": 0.22, "grain": 5.0},
    "soft": {"grade": (1.0, 1.0, 1.0), "vignette": 0.18, "grain": 2.5},
}


def finish(img: Image.Image, style: str, seed: int) -> Image.Image:
    """The story's look: a colour grade, a soft vignette and a paper grain, the same on every scene."""
    st = STYLES[style]
    arr = np.asarray(img, np.float32)
    arr = arr * np.array(st["grade"], np.float32)[None, None, :]
    arr = arr * _vignette(img.size, st["vignette"])
    arr = arr + _grain(img.size, seed) * st["grain"]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
