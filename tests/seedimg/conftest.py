"""Fixtures for the seed generators: a temporary model cache filled with tiny random models that
the engine's real loading code then reads back (see seedimg_tiny.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from seedimg_tiny import clear_loader_caches, save_clip_like_openai, save_tiny_vqgan, tiny_biggan_model, tiny_clip_model


@pytest.fixture
def model_cache(tmp_path, monkeypatch) -> Path:
    """An empty model cache (DIGITELLER_MODELS) and cold model caches in the loaders."""
    cache = tmp_path / "models"
    monkeypatch.setenv("DIGITELLER_MODELS", str(cache))
    monkeypatch.setenv("DIGITELLER_DEVICE", "cpu")
    clear_loader_caches()
    yield cache
    clear_loader_caches()


@pytest.fixture
def tiny_clip(model_cache) -> str:
    return save_clip_like_openai(tiny_clip_model(), model_cache / "clip" / "ViT-B-32.pt")


@pytest.fixture
def tiny_vqgan(model_cache, tiny_clip) -> Path:
    save_tiny_vqgan(model_cache / "vqgan")
    return model_cache / "vqgan"


@pytest.fixture
def tiny_biggan(model_cache, tiny_clip) -> Path:
    import torch

    model = tiny_biggan_model()
    folder = model_cache / "biggan" / "biggan-deep-512"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(model.config.to_json_string(), encoding="utf-8")
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder