"""What a media file is, according to ffprobe: duration, codecs, size in pixels and bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import StageError
from engine.proc import run


def _ffprobe_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StageError("video", f"no such media file: {path.name}")
    out = run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        stage="video",
        timeout=60,
    ).stdout
    return json.loads(out.decode("utf-8", "replace") or "{}")


def _fps(rate: str | None) -> float | None:
    if not rate or rate in ("0/0", "0"):
        return None
    num, _, den = rate.partition("/")
    try:
        return round(float(num) / float(den or 1), 3)
    except (ValueError, ZeroDivisionError):
        return None


def probe(path: Path) -> dict[str, Any]:
    """Duration (s), size_bytes, and for the first video/audio streams: codec, width, height, fps,
    pix_fmt, audio codec, sample rate and channels; ``None`` where the file has no such stream."""
    path = Path(path)
    data = _ffprobe_json(path)
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), {})
    audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
    duration = fmt.get("duration") or video.get("duration") or audio.get("duration")
    return {
        "duration": round(float(duration), 3) if duration else 0.0,
        "size_bytes": int(fmt.get("size") or path.stat().st_size),
        "format": fmt.get("format_name"),
        "video_codec": video.get("codec_name"),
        "width": video.get("width"),
        "height": video.get("height"),
        "pix_fmt": video.get("pix_fmt"),
        "fps": _fps(video.get("avg_frame_rate") or video.get("r_frame_rate")),
        "audio_codec": audio.get("codec_name"),
        "sample_rate": int(audio["sample_rate"]) if audio.get("sample_rate") else None,
        "channels": audio.get("channels"),
    }


def probe_duration(path: Path) -> float:
    return float(probe(path)["duration"])
