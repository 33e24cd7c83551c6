"""Where the engine keeps things: the data home (assets, caches, models) and story folders.

``DIGITELLER_HOME`` overrides the default ``~/.cache/digiteller``; ``DIGITELLER_MODELS`` the model
cache the seed backends read from (and download into, where the network allows).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    root = Path(os.environ.get("DIGITELLER_HOME", Path.home() / ".cache" / "digiteller"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(name: str) -> Path:
    """A named cache folder under the data home (e.g. "assets", "music-tokens")."""
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    path = Path(os.environ.get("DIGITELLER_MODELS", home() / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path
