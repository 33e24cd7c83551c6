"""Media files as ffprobe sees them, and fitting a finished video into a byte budget.

The one ffprobe wrapper (``probe``) and the one "re-encode to fit N bytes" (``fit_to_bytes``) of the
project: the assembler checks its output with them and the bot uses them before an upload, instead
of each keeping its own.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.errors import StageError
from engine.proc import run

#: Re-encodes aim this far under the budget: the VBV bound covers the streams, not every box of
#: the mp4 container.
FIT_MARGIN = 0.94
FIT_AUDIO_BPS = 64_000
MIN_VIDEO_BPS = 50_000


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a file; stream fields are None when the file has no such stream."""

    duration: float
    size_bytes: int
    format: str | None = None
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    pix_fmt: str | None = None
    fps: float | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ffprobe_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StageError("video", f"no such media file: {path.name}")
    out = run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        stage="video",
        timeout=60,
    ).stdout
    data: dict[str, Any] = json.loads(out.decode("utf-8", "replace") or "{}")
    return data


def _fps(rate: str | None) -> float | None:
    if not rate or rate in ("0/0", "0"):
        return None
    num, _, den = rate.partition("/")
    try:
        return round(float(num) / float(den or 1), 3)
    except (ValueError, ZeroDivisionError):
        return None


def probe(path: Path) -> MediaInfo:
    """Duration (s), size in bytes, and the first video and audio streams' codecs, size, rate."""
    path = Path(path)
    data = _ffprobe_json(path)
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    video: dict[str, Any] = next((s for s in streams if s.get("codec_type") == "video"), {})
    audio: dict[str, Any] = next((s for s in streams if s.get("codec_type") == "audio"), {})
    duration = fmt.get("duration") or video.get("duration") or audio.get("duration")
    return MediaInfo(
        duration=round(float(duration), 3) if duration else 0.0,
        size_bytes=int(fmt.get("size") or path.stat().st_size),
        format=fmt.get("format_name"),
        video_codec=video.get("codec_name"),
        width=video.get("width"),
        height=video.get("height"),
        pix_fmt=video.get("pix_fmt"),
        fps=_fps(video.get("avg_frame_rate") or video.get("r_frame_rate")),
        audio_codec=audio.get("codec_name"),
        sample_rate=int(audio["sample_rate"]) if audio.get("sample_rate") else None,
        channels=audio.get("channels"),
    )


def probe_duration(path: Path) -> float:
    return probe(path).duration


def fit_to_bytes(src: Path, dst: Path, max_bytes: int) -> MediaInfo:
    """``dst``: ``src`` if it already fits in ``max_bytes``, else ``src`` re-encoded to fit.

    The re-encode caps the video bitrate with x264's VBV, so the worst-case size is known in
    advance: ``(maxrate · T + bufsize + audio · T) / 8`` with ``bufsize`` = 2 s of ``maxrate``,
    aimed at ``FIT_MARGIN`` of the budget. Low bitrates also get a smaller picture (¾ or ½ width),
    which looks better than a starved full-size one. Raises ``StageError`` when the result still
    does not fit (a budget far too small for the length), so a caller never uploads an oversize file.
    """
    src, dst = Path(src), Path(dst)
    info = probe(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if info.size_bytes <= max_bytes:
        if src.resolve() != dst.resolve():
            shutil.copyfile(src, dst)
        return probe(dst)
    duration = max(1.0, info.duration)
    room_bits = max_bytes * 8 * FIT_MARGIN - FIT_AUDIO_BPS * duration
    video_bps = max(MIN_VIDEO_BPS, int(room_bits / (duration + 2.0)))
    width = int(info.width or 1280)
    scale = 1.0 if video_bps > 1_500_000 else 0.75 if video_bps > 600_000 else 0.5
    new_w = max(2, int(width * scale) // 2 * 2)
    partial = dst.with_name(dst.stem + ".part" + dst.suffix)
    # fmt: off
    args = [
        "ffmpeg", "-y", "-v", "error", "-i", str(src), "-vf", f"scale={new_w}:-2",
        "-c:v", "libx264", "-preset", "veryfast",
        "-b:v", str(video_bps), "-maxrate", str(video_bps), "-bufsize", str(video_bps * 2),
        "-c:a", "aac", "-b:a", str(FIT_AUDIO_BPS), "-movflags", "+faststart", str(partial),
    ]
    # fmt: on
    try:
        run(args, stage="video")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(dst)
    out = probe(dst)
    if out.size_bytes > max_bytes:
        raise StageError(
            "video",
            f"re-encoding {src.name} gave {out.size_bytes} bytes, over the {max_bytes}-byte budget",
            hint="Ask for a shorter story.",
        )
    return out
