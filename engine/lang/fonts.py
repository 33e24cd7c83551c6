"""Finding a font that can write Russian: for the burned-in subtitles (libass, by family name) and the
text cards (Pillow, by file path). DejaVu Sans first (checked to burn Cyrillic correctly), then Noto."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.proc import run_plain  # children die with the engine (crash safety)

#: Families tried in order; each must cover Cyrillic.
PREFERRED = ("DejaVu Sans", "Noto Sans", "Liberation Sans", "FreeSans")
#: Where Debian's font packages put them, for machines without fontconfig's fc-* tools.
KNOWN_PATHS = {
    ("DejaVu Sans", False): "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ("DejaVu Sans", True): "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ("Noto Sans", False): "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    ("Noto Sans", True): "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
}


@dataclass(frozen=True)
class Font:
    family: str
    path: Path


def _fc_match(family: str, bold: bool) -> Path | None:
    """Ask fontconfig for ``family`` with Cyrillic coverage; None unless it really has that family."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:lang=ru" + (":weight=bold" if bold else "")
    try:
        out = run_plain(["fc-match", "--format=%{family}\n%{file}", pattern], timeout=10, text=True).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.splitlines()
    if len(lines) < 2 or family.lower() not in lines[0].lower():
        return None
    path = Path(lines[1])
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def find_font(bold: bool = False) -> Font | None:
    """The first preferred family present (fontconfig, then Debian's known paths); None if none is."""
    for family in PREFERRED:
        path = _fc_match(family, bold)
        if path is not None:
            return Font(family, path)
        known = KNOWN_PATHS.get((family, bold))
        if known and Path(known).is_file():
            return Font(family, Path(known))
    return None


def emoji_font() -> Path | None:
    """A monochrome outline emoji font libass can fall back to (Symbola, Debian ``fonts-symbola``).

    libass draws outlines only, so colour-bitmap emoji fonts don't help; without an outline font
    emoji in subtitles show as empty boxes (the text in the .ass file is still exact)."""
    path = _fc_match("Symbola", False)
    if path is not None:
        return path
    known = Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")
    return known if known.is_file() else None
