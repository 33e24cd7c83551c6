"""Cutouts, augmentations and the spherical distance (plain torch, no models)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from engine.images.backends.clip_guided.guidance import CutoutSettings, make_cutouts, spherical_distance  # noqa: E402


def test_cutouts_shape_range_and_reproducibility():
    image = torch.rand(1, 3, 48, 80)
    settings = CutoutSettings(count=6)
    first = make_cutouts(image, 24, settings, torch.Generator().manual_seed(3))
    again = make_cutouts(image, 24, settings, torch.Generator().manual_seed(3))
    other = make_cutouts(image, 24, settings, torch.Generator().manual_seed(4))
    assert first.shape == (6, 3, 24, 24) and first.dtype == torch.float32
    assert float(first.min()) >= 0 and float(first.max()) <= 1
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_cutouts_pass_gradients_to_the_image():
    image = torch.rand(1, 3, 32, 32, requires_grad=True)
    make_cutouts(image, 16, CutoutSettings(count=4), torch.Generator().manual_seed(0)).mean().backward()
    assert image.grad is not None and float(image.grad.abs().sum()) > 0


def test_spherical_distance():
    a = torch.tensor([[1.0, 0.0]])
    assert float(spherical_distance(a, a * 5)) == pytest.approx(0.0, abs=1e-6)
    # Orthogonal unit vectors are a quarter circle apart: 2·(π/4)² .
    assert float(spherical_distance(a, torch.tensor([[0.0, 2.0]]))) == pytest.approx(
        2 * (3.14159265 / 4) ** 2, rel=1e-5
    )
    assert float(spherical_distance(a, -a)) == pytest.approx(2 * (3.14159265 / 2) ** 2, rel=1e-5)
