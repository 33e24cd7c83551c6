"""Fixtures for the seed generators: a temporary model cache filled with tiny random models that
the engine's real loading code then reads back (see seedimg_tiny.py).

The tiny models are built and saved once per session, then copied into each test's own cache.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from seedimg_tiny import (
    clear_loader_caches,
    save_clip_like_openai,
    save_tiny_vqgan,
    tiny_biggan_model,
    tiny_clip_model,
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread; with 2 shared cores, OpenMP spinning costs 10×."""
    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def model_cache(tmp_path, monkeypatch) -> Path:
    """An empty model cache (DIGITELLER_MODELS) and cold model caches in the loaders."""
    cache = tmp_path / "models"
    monkeypatch.setenv("DIGITELLER_MODELS", str(cache))
    monkeypatch.setenv("DIGITELLER_DEVICE", "cpu")
    clear_loader_caches()
    yield cache
    clear_loader_caches()


@pytest.fixture(scope="session")
def saved_tiny_models(tmp_path_factory) -> Path:
    """A model cache with the tiny CLIP, VQGAN and BigGAN in the official layouts, built once."""
    import torch

    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("seed-models")
    fmt = save_clip_like_openai(tiny_clip_model(), cache / "clip" / "ViT-B-32.pt")
    (cache / "clip" / "format.txt").write_text(fmt)
    save_tiny_vqgan(cache / "vqgan")
    model = tiny_biggan_model()
    folder = cache / "biggan" / "biggan-deep-512"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(model.config.to_json_string(), encoding="utf-8")
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return cache


def _install(saved: Path, cache: Path, part: str) -> Path:
    shutil.copytree(saved / part, cache / part, dirs_exist_ok=True)
    return cache / part


@pytest.fixture
def tiny_clip(model_cache, saved_tiny_models) -> str:
    """Which format the tiny CLIP was saved in ("torchscript", like OpenAI's files, or "state_dict")."""
    _install(saved_tiny_models, model_cache, "clip")
    (model_cache / "clip" / "format.txt").unlink()
    return (saved_tiny_models / "clip" / "format.txt").read_text()


@pytest.fixture
def tiny_vqgan(model_cache, tiny_clip, saved_tiny_models) -> Path:
    return _install(saved_tiny_models, model_cache, "vqgan")


@pytest.fixture
def tiny_biggan(model_cache, tiny_clip, saved_tiny_models) -> Path:
    return _install(saved_tiny_models, model_cache, "biggan") / "biggan-deep-512"
