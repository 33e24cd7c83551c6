"""Where the engine keeps things: the data home (assets, caches, models) and story folders.

``DIGITELLER_HOME`` overrides the default ``~/.cache/digiteller``; ``DIGITELLER_MODELS`` the model
cache the seed backends read from (and download into, where the network allows).
"""

from __future__ import annotations

from pathlib import Path

from engine.settings import settings


def home() -> Path:
    root = settings().home
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(name: str) -> Path:
    """A named cache folder under the data home (e.g. "assets", "music-tokens")."""
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    path = settings().models or home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
