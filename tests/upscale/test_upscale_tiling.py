"""Tiling and scale planning, with a numpy "network" whose receptive field we know exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.upscale.base import plan_passes
from engine.upscale.tiling import run_tiled, tile_spans


def blur_then_repeat(layers: int, scale: int):
    """``layers`` zero-padded 3×3 box filters (receptive radius = layers), then nearest ×scale."""

    def model(chw: np.ndarray) -> np.ndarray:
        x = chw
        for _ in range(layers):
            p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
            x = (
                sum(p[:, dy : dy + x.shape[1], dx : dx + x.shape[2]] for dy in range(3) for dx in range(3))
                / 9
            )
        return x.repeat(scale, 1).repeat(scale, 2).astype(np.float32)

    return model


@pytest.mark.parametrize(("length", "tile"), [(100, 32), (64, 32), (33, 32), (10, 32), (257, 256), (7, 0)])
def test_tile_spans_cover_the_length_without_gaps_or_slivers(length, tile):
    spans = tile_spans(length, tile)
    assert spans[0][0] == 0 and spans[-1][1] == length
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    sizes = [b - a for a, b in spans]
    if tile > 0:
        assert max(sizes) <= tile
    assert max(sizes) - min(sizes) <= 1  # balanced: no 1-pixel tile at the end


def test_tiled_equals_whole_when_overlap_covers_the_receptive_field():
    rng = np.random.default_rng(1)
    image = rng.random((3, 70, 90), dtype=np.float32)
    model = blur_then_repeat(layers=5, scale=2)
    whole = run_tiled(image, model, 2, tile=0, pad=0)
    tiled = run_tiled(image, model, 2, tile=24, pad=5)
    assert tiled.shape == whole.shape == (3, 140, 180)
    np.testing.assert_allclose(tiled, whole, atol=1e-6)


def test_too_little_overlap_shows_seams():
    """The equality above is not automatic: with less context than the field, tiles disagree."""
    rng = np.random.default_rng(2)
    image = rng.random((3, 64, 64), dtype=np.float32)
    model = blur_then_repeat(layers=5, scale=2)
    whole = run_tiled(image, model, 2, tile=0, pad=0)
    seamy = run_tiled(image, model, 2, tile=16, pad=2)
    assert np.abs(seamy - whole).max() > 1e-3


def test_progress_reaches_one_once_per_tile():
    seen: list[float] = []
    image = np.zeros((3, 40, 40), dtype=np.float32)
    run_tiled(image, blur_then_repeat(1, 2), 2, tile=20, pad=2, progress=seen.append)
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_wrong_network_output_shape_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        run_tiled(np.zeros((3, 8, 8), np.float32), blur_then_repeat(0, 2), 4, tile=0, pad=0)


@pytest.mark.parametrize(
    ("native", "scale", "passes"),
    [
        ((2, 3, 4), 1, []),
        ((2, 3, 4), 2, [2]),
        ((2, 3, 4), 3, [3]),
        ((2, 3, 4), 4, [4]),
        ((2, 3, 4), 6, [4, 2]),
        ((2, 3, 4), 16, [4, 4]),
        ((4,), 2, [4]),
        ((4,), 6, [4, 4]),
    ],
)
def test_plan_passes_uses_the_fewest_smallest_models(native, scale, passes):
    assert plan_passes(native, scale) == passes


def test_upscale_any_scale_gives_exact_size(fake_upscaler):
    from upscale_helpers import picture

    img = picture(13, 7)
    for scale in (1, 2, 3, 4, 5, 6, 8):
        assert fake_upscaler.upscale(img, scale).size == (13 * scale, 7 * scale)
    with pytest.raises(ValueError):
        fake_upscaler.upscale(img, 0)
    with pytest.raises(ValueError):
        fake_upscaler.upscale(img, 17)
