"""What `python -m engine doctor` shows for assembly: ffmpeg with every encoder and filter we use,
and a font that can write Russian subtitles and cards."""

from __future__ import annotations

import shutil
import subprocess

from engine.backends import BackendStatus
from engine.lang.fonts import emoji_font, find_font

ENCODERS = ("libx264", "aac")
FILTERS = (
    "zoompan",
    "xfade",
    "subtitles",
    "sidechaincompress",
    "ebur128",
    "alimiter",
    "amix",
    "adelay",
    "apad",
)


def _ffmpeg_list(kind: str) -> str:
    try:
        return subprocess.run(
            ["ffmpeg", "-hide_banner", f"-{kind}"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _names(listing: str) -> set[str]:
    """Second column of ffmpeg's -encoders / -filters tables (the component names)."""
    names = set()
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            names.add(parts[1])
    return names


def doctor() -> list[BackendStatus]:
    rows: list[BackendStatus] = []
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        rows.append(
            BackendStatus("video", "ffmpeg", False, "ffmpeg/ffprobe not found: apt-get install ffmpeg")
        )
    else:
        missing = [e for e in ENCODERS if e not in _names(_ffmpeg_list("encoders"))]
        missing += [f for f in FILTERS if f not in _names(_ffmpeg_list("filters"))]
        if missing:
            detail = "this ffmpeg lacks " + ", ".join(missing) + " (Debian's ffmpeg package has them all)"
            rows.append(BackendStatus("video", "ffmpeg", False, detail, default=True))
        else:
            rows.append(
                BackendStatus(
                    "video",
                    "ffmpeg",
                    True,
                    "libx264 + aac, zoompan, xfade, libass subtitles, sidechaincompress, ebur128",
                    default=True,
                )
            )
    font = find_font()
    if font is None:
        rows.append(
            BackendStatus("video", "font", False, "no Cyrillic font: apt-get install fonts-dejavu-core")
        )
    else:
        emoji = emoji_font()
        extra = (
            "; emoji via Symbola"
            if emoji
            else "; no emoji font (apt-get install fonts-symbola): emoji show as boxes"
        )
        rows.append(BackendStatus("video", "font", True, f"{font.family} ({font.path}){extra}", default=True))
    rows.append(
        BackendStatus(
            "video",
            "text-card",
            font is not None,
            "interim scene frames: the scene's text on a painted background (not a generated image); "
            "used while no image backend draws the scenes",
        )
    )
    return rows
