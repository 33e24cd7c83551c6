"""Readiness checks: cheap, and exact about what is missing (no model is loaded here)."""

from __future__ import annotations

import sys

import engine.images.backends.clip_guided.base as base
from engine.images.backends.clip_guided import doctor
from engine.images.backends.clip_guided.biggan import BigGANIllustrator
from engine.images.backends.clip_guided.vqgan import VQGANIllustrator


def test_available_names_every_missing_weight_file(model_cache):
    ready, reason = VQGANIllustrator().available()
    assert not ready
    for name in (
        "clip/ViT-B-32.pt",
        "vqgan/vqgan_imagenet_f16_16384.yaml",
        "vqgan/vqgan_imagenet_f16_16384.ckpt",
    ):
        assert str(model_cache / name) in reason

    ready, reason = BigGANIllustrator().available()
    assert not ready
    for name in (
        "clip/ViT-B-32.pt",
        "biggan/biggan-deep-512/config.json",
        "biggan/biggan-deep-512/pytorch_model.bin",
    ):
        assert str(model_cache / name) in reason


def test_available_once_the_files_are_there(model_cache):
    for name in (
        "clip/ViT-L-14.pt",
        "vqgan/vqgan_imagenet_f16_16384.yaml",
        "vqgan/vqgan_imagenet_f16_16384.ckpt",
    ):
        (model_cache / name).parent.mkdir(parents=True, exist_ok=True)
        (model_cache / name).write_bytes(b"x")
    illustrator = VQGANIllustrator(clip_model="ViT-L/14", device="cpu")
    ready, reason = illustrator.available()
    if base.missing_packages(illustrator.modules):
        assert not ready and "missing packages" in reason and "missing /" not in reason
    else:
        assert ready, reason
        assert "ViT-L/14" in reason and "on cpu" in reason and "GPU" in reason
    # An empty file is not a checkpoint.
    (model_cache / "clip/ViT-L-14.pt").write_bytes(b"")
    assert str(model_cache / "clip/ViT-L-14.pt") in illustrator.available()[1]


def test_available_names_missing_packages(model_cache, monkeypatch):
    monkeypatch.setattr(base, "missing_packages", lambda modules: ["taming-transformers-rom1504", "einops"])
    ready, reason = VQGANIllustrator().available()
    assert not ready
    assert "taming-transformers-rom1504, einops" in reason and ".[seed]" in reason


def test_unknown_model_names_are_reported_not_raised(model_cache):
    ready, reason = VQGANIllustrator(clip_model="ViT-H/99").available()
    assert not ready and "ViT-H/99" in reason
    ready, reason = BigGANIllustrator(biggan_model="biggan-deep-9000").available()
    assert not ready and "biggan-deep-9000" in reason


def test_doctor_rows_and_no_heavy_imports(model_cache):
    heavy = ("clip", "taming", "pytorch_pretrained_biggan", "torchvision")
    before = {name for name in heavy if name in sys.modules}
    rows = doctor()
    assert [row.name for row in rows] == ["clip+vqgan", "clip+biggan"]
    assert all(row.block == "images" and not row.ready and row.detail for row in rows)
    assert {name for name in heavy if name in sys.modules} == before
