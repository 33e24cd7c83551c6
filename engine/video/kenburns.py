"""Ken Burns motion: each still drifts slowly (zoom in, zoom out, or a pan), a different way per scene.

Why zoompan on a single, once-upscaled frame (measured, see the README's assembly figures):
* the picture is decoded and scaled once per scene (``-i still.png`` without ``-loop``; zoompan's
  ``d`` emits every frame from that one input frame), instead of once per output frame;
* zoompan crops whole pixels, so on a frame of the output's size a slow zoom visibly shivers; on a
  frame twice the output size a 1-pixel step is half an output pixel, which reads as smooth;
* the motion is eased (half linear, half smoothstep) so a picture settles instead of stopping dead
  at a crossfade.
The expressions contain only numbers, operators and zoompan's own variables — never text.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The still is upscaled to this multiple of the output before zoompan (sub-pixel-smooth motion).
SUPERSAMPLE: float = 2
#: How far a zoom goes over one picture (1.0 → 1.0 + ZOOM); slow on purpose.
ZOOM = 0.12


@dataclass(frozen=True)
class Motion:
    """Zoom from ``z0`` to ``z1`` while the crop's centre moves from (fx0, fy0) to (fx1, fy1), where
    0 is the left/top limit of where the crop can go and 1 the right/bottom one."""

    name: str
    z0: float
    z1: float
    fx0: float = 0.5
    fx1: float = 0.5
    fy0: float = 0.5
    fy1: float = 0.5


MOTIONS: tuple[Motion, ...] = (
    Motion("zoom-in", 1.0, 1.0 + ZOOM, 0.5, 0.5, 0.45, 0.4),
    Motion("pan-right", 1.0 + ZOOM * 0.8, 1.0 + ZOOM * 0.8, 0.1, 0.9),
    Motion("zoom-out", 1.0 + ZOOM, 1.0, 0.6, 0.5, 0.4, 0.5),
    Motion("pan-left", 1.0 + ZOOM * 0.8, 1.0 + ZOOM * 0.8, 0.9, 0.1, 0.55, 0.45),
    Motion("zoom-in-corner", 1.0, 1.0 + ZOOM, 0.5, 0.25, 0.5, 0.3),
    Motion("pan-up", 1.0 + ZOOM * 0.8, 1.0 + ZOOM * 0.8, 0.45, 0.55, 0.9, 0.1),
)


def motion_for(scene_position: int, seed: int = 0) -> Motion:
    """A motion per scene; consecutive scenes always differ, and the seed shifts the sequence."""
    return MOTIONS[(scene_position + seed) % len(MOTIONS)]


def _num(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".") or "0"


def zoompan_filter(motion: Motion, frames: int, size: tuple[int, int], fps: int) -> str:
    """The zoompan filter (string of numbers only) that plays ``motion`` over ``frames`` frames."""
    last = max(1, frames - 1)
    p = f"(on/{last})"  # on runs 0..frames-1, so p stays within 0..1
    ease = f"(0.5*{p}+0.5*{p}*{p}*(3-2*{p}))"

    def lerp(a: float, b: float) -> str:
        return _num(a) if a == b else f"({_num(a)}+{_num(b - a)}*{ease})"

    z = lerp(motion.z0, motion.z1)
    x = f"(iw-iw/zoom)*{lerp(motion.fx0, motion.fx1)}"
    y = f"(ih-ih/zoom)*{lerp(motion.fy0, motion.fy1)}"
    w, h = size
    return f"zoompan=z={z}:x={x}:y={y}:d={frames}:s={w}x{h}:fps={fps}"


def scene_chain(input_label: str, motion: Motion, frames: int, size: tuple[int, int], fps: int) -> str:
    """Filters from one still to ``frames`` moving yuv420p frames: cover-fit at SUPERSAMPLE × size
    (crop to the output's aspect, never stretch), then zoompan down to ``size``."""
    w, h = size
    sw, sh = round(w * SUPERSAMPLE / 2) * 2, round(h * SUPERSAMPLE / 2) * 2
    return (
        f"{input_label}scale={sw}:{sh}:force_original_aspect_ratio=increase:flags=lanczos,"
        f"crop={sw}:{sh},setsar=1,{zoompan_filter(motion, frames, size, fps)},format=yuv420p"
    )
