"""Fetching official weight files: atomic, verified, and a clear error when it cannot be done.

Downloads are exercised with file:// addresses (urllib treats them like any other URL), so no
network is needed.
"""

from __future__ import annotations

import hashlib

import pytest
from seedimg_tiny import require_seed_packages

from engine.errors import BackendUnavailable
from engine.images.backends.clip_guided.weights import WeightFile, biggan_files, download, vqgan_files


def test_download_copies_atomically(model_cache, tmp_path):
    source = tmp_path / "remote" / "last.ckpt"
    source.parent.mkdir()
    source.write_bytes(b"weights" * 1000)
    target = vqgan_files("vqgan_imagenet_f16_16384")[1]
    assert not target.present
    path = download(WeightFile(target.path, source.as_uri()), "clip+vqgan")
    assert path == target.path and path.read_bytes() == source.read_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["vqgan_imagenet_f16_16384.ckpt"]
    # Present files are never fetched again.
    source.unlink()
    assert download(WeightFile(target.path, source.as_uri()), "clip+vqgan") == path


def test_failed_download_names_the_file_and_leaves_nothing(model_cache, tmp_path):
    target = biggan_files("biggan-deep-256")[1]
    with pytest.raises(BackendUnavailable) as caught:
        download(WeightFile(target.path, (tmp_path / "nowhere.bin").as_uri()), "clip+biggan")
    assert str(target.path) in caught.value.reason and "by hand" in caught.value.reason
    assert not target.path.parent.exists() or not any(target.path.parent.iterdir())


def test_clip_download_is_checked_against_the_sha256_in_its_address(model_cache, tmp_path, monkeypatch):
    require_seed_packages("torch", "clip")
    from engine.images.backends.clip_guided.clip_model import fetch_clip, import_clip

    clip = import_clip()
    payload = b"pretend checkpoint"
    good = tmp_path / hashlib.sha256(payload).hexdigest() / "ViT-B-32.pt"
    good.parent.mkdir()
    good.write_bytes(payload)
    bad = tmp_path / ("0" * 64) / "ViT-B-16.pt"
    bad.parent.mkdir()
    bad.write_bytes(payload)
    monkeypatch.setitem(clip.clip._MODELS, "ViT-B/32", good.as_uri())
    monkeypatch.setitem(clip.clip._MODELS, "ViT-B/16", bad.as_uri())

    assert fetch_clip("ViT-B/32").read_bytes() == payload
    with pytest.raises(BackendUnavailable, match="SHA256"):
        fetch_clip("ViT-B/16")
    assert not (model_cache / "clip" / "ViT-B-16.pt").exists()
