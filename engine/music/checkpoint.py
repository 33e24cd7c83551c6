"""The shipped checkpoint: where it lives and loading it once per process."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from engine.errors import BackendUnavailable

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoint"
_LOCK = threading.Lock()


def checkpoint_file(folder: Path = CHECKPOINT_DIR) -> Path:
    return folder / "model.pt"


def load_model(folder: Path = CHECKPOINT_DIR):
    """The model in eval mode (cached per folder; thread-safe first load)."""
    with _LOCK:
        return _load(folder.resolve())


@lru_cache(maxsize=4)
def _load(folder: Path):
    path = checkpoint_file(folder)
    if not path.exists():
        raise BackendUnavailable(
            "music-transformer", f"no checkpoint at {path}: run `python -m engine.music train`"
        )
    import torch

    from engine.music.model import ModelConfig, MusicTransformer

    data = torch.load(path, map_location="cpu", weights_only=True)
    model = MusicTransformer(ModelConfig(**data["config"]))
    model.load_state_dict(data["state_dict"])
    model.eval()
    return model
