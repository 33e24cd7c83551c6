"""Transparency survives upscaling, and hidden colour does not bleed into visible edges."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from upscale_helpers import FakeUpscaler, needs_ncnn

from engine.upscale.alpha import bleed_colours


def disc_on_transparent(size: int = 24) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((4, 4, size - 5, size - 5), fill=(255, 200, 0, 255))
    return img


def test_bleed_fills_only_hidden_pixels_with_nearby_colour():
    rgba = np.asarray(disc_on_transparent())
    rgb, alpha = np.ascontiguousarray(rgba[..., :3]), rgba[..., 3]
    out = bleed_colours(rgb, alpha)
    visible = alpha > 0
    assert (out[visible] == rgb[visible]).all()
    # hidden black became the disc's yellow, not black
    assert out[~visible].mean(axis=0)[0] > 200 and out[~visible].mean(axis=0)[2] < 30


@pytest.mark.parametrize("alpha_mode", ["model", "lanczos"])
def test_fake_network_keeps_alpha(alpha_mode):
    up = FakeUpscaler()
    up.alpha = alpha_mode
    out = up.upscale(disc_on_transparent(), 4)
    assert out.mode == "RGBA" and out.size == (96, 96)
    a = np.asarray(out)[..., 3]
    assert a[0, 0] == 0 and a[48, 48] == 255


def test_modes_are_kept(fake_upscaler):
    assert fake_upscaler.upscale(Image.new("L", (5, 4), 100), 2).mode == "L"
    assert fake_upscaler.upscale(Image.new("LA", (5, 4), (100, 50)), 2).mode == "LA"
    opaque = fake_upscaler.upscale(Image.new("RGBA", (5, 4), (1, 2, 3, 255)), 2)
    assert opaque.mode == "RGBA" and np.asarray(opaque)[..., 3].min() == 255
    palette = Image.new("P", (6, 6), 0)
    palette.info["transparency"] = 0
    assert fake_upscaler.upscale(palette, 2).mode == "RGBA"


@needs_ncnn
@pytest.mark.parametrize("alpha_mode", ["model", "lanczos"])
def test_real_model_keeps_alpha_and_edge_colour(alpha_mode):
    from engine.upscale import get_upscaler

    out = get_upscaler("realesr-animevideov3", "ncnn", alpha=alpha_mode).upscale(disc_on_transparent(32), 2)
    assert out.mode == "RGBA" and out.size == (64, 64)
    rgba = np.asarray(out).astype(int)
    assert rgba[0, 0, 3] < 8 and rgba[32, 32, 3] > 247  # corner transparent, centre opaque
    edge = (rgba[..., 3] > 64) & (rgba[..., 3] < 192)
    assert edge.any()
    # no dark fringe: where the edge is half visible its colour is still the disc's yellow
    assert rgba[edge][:, 0].mean() > 200 and rgba[edge][:, 1].mean() > 150
