"""Installs and locates the art the scene composer draws with (the word index is built by index.py).

Sources (see shared/OFFLINE-ASSETS.md §4):
- npm ``openmoji@17.0.0``: 4,495 colour SVGs in one flat style (CC BY-SA 4.0 — credit below);
- npm ``cldr-annotations-full@47.0.0``: Russian keywords for every emoji;
- Debian ``openclipart-svg``: public-domain clip art, a fallback for nouns OpenMoji lacks.

``install_art()`` is idempotent: when the packages are in place it only checks that the files exist
(milliseconds). This module knows the packages, not the index: :mod:`.index` builds and reads the
index on top of it (one direction only, so the two never import each other). Paths of drawings are
always built from these roots plus a name that came from the packages' own files — never from prompt
text.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.errors import EngineError
from engine.settings import settings

OPENMOJI_VERSION = "17.0.0"
CLDR_VERSION = "47.0.0"

#: Put this into the README and the video credits: OpenMoji's licence requires attribution.
ATTRIBUTION = (
    "Illustrations: OpenMoji (https://openmoji.org/), the open-source emoji and icon project, "
    "licence CC BY-SA 4.0; Open Clip Art Library (public domain)."
)

_OPENCLIPART_CANDIDATES = (Path("/usr/share/openclipart/svg"), Path("/usr/share/openclipart"))


@dataclass(frozen=True)
class AssetRoots:
    openmoji: Path | None  # the npm package folder (has color/svg and data/openmoji.csv)
    cldr_ru: Path | None  # annotations/ru/annotations.json
    openclipart: Path | None

    @property
    def ready(self) -> bool:
        return self.openmoji is not None


def assets_dir() -> Path:
    return paths.cache_dir("assets")


def _npm_prefix() -> Path:
    return assets_dir() / "npm"


def _find_openmoji() -> Path | None:
    own = settings().openmoji
    candidates = [own] if own else []
    candidates.append(_npm_prefix() / "node_modules" / "openmoji")
    for c in candidates:
        if (c / "data" / "openmoji.csv").is_file() and (c / "color" / "svg").is_dir():
            return c
    return None


def _find_cldr_ru() -> Path | None:
    p = _npm_prefix() / "node_modules" / "cldr-annotations-full" / "annotations" / "ru" / "annotations.json"
    return p if p.is_file() else None


def _find_openclipart() -> Path | None:
    for c in _OPENCLIPART_CANDIDATES:
        if (c / "animals").is_dir():
            return c
    return None


def locate() -> AssetRoots:
    """Where the packages are right now (no installing)."""
    return AssetRoots(_find_openmoji(), _find_cldr_ru(), _find_openclipart())


def _npm_install(report_line=print) -> None:
    """``npm install`` the pinned packages into the asset cache (the npm registry is reachable)."""
    from engine.proc import run

    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: apt-get install -y npm, then run `python -m engine assets`")
    prefix = _npm_prefix()
    prefix.mkdir(parents=True, exist_ok=True)
    report_line(f"installing openmoji@{OPENMOJI_VERSION} and cldr-annotations-full@{CLDR_VERSION} via npm")
    run(
        [
            npm,
            "install",
            "--prefix",
            str(prefix),
            "--no-audit",
            "--no-fund",
            "--no-save",
            f"openmoji@{OPENMOJI_VERSION}",
            f"cldr-annotations-full@{CLDR_VERSION}",
        ],
        stage="images",
        cancel=None,
    )


def install_art() -> AssetRoots:
    """npm-install the pinned packages when they are missing; the roots found afterwards."""
    roots = locate()
    if roots.openmoji is None or roots.cldr_ru is None:
        try:
            _npm_install()
        except EngineError as exc:  # npm failed (offline, registry down): say so plainly
            raise RuntimeError(f"npm could not install the scene art: {exc}") from exc
        roots = locate()
    if roots.openmoji is None:
        raise RuntimeError("openmoji was not found after npm install")
    return roots
