"""The ``ffmpeg`` video backend: Ken Burns stills, crossfades, burned-in subtitles and the mixed
soundtrack encoded by one ffmpeg run (the work itself is in engine.video.assembly, audio,
subtitles, kenburns, bitrate). ``status`` is what `python -m engine doctor` shows: ffmpeg with
every encoder and filter we use, and a font that can write Russian subtitles and cards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.backends import BackendStatus
from engine.lang.fonts import emoji_font, find_font
from engine.proc import run_plain  # children die with the engine (crash safety)

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

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
        return run_plain(["ffmpeg", "-hide_banner", f"-{kind}"], timeout=20, text=True).stdout
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


def _status() -> list[BackendStatus]:
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
            "card",
            font is not None,
            "fallback scene frames (engine/video/card.py): the scene's text on a painted background, "
            "when the images block fails or --image-backend card is asked for",
        )
    )
    return rows


class FfmpegAssembler:
    """``VideoBackend`` on the system's ffmpeg (libx264 + aac, libass subtitles)."""

    name = "ffmpeg"

    def assemble(self, story: Story, folder: Path, out_path: Path, report: StageReporter) -> dict[str, Any]:
        from engine.video.assembly import assemble

        return assemble(story, folder, out_path, report)

    def status(self) -> list[BackendStatus]:
        return _status()
