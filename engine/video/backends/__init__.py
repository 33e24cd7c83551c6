"""The video block's backends and registry. One backend: ``ffmpeg``; the registry gives it the same
shape as every other block's (``get_backend``, ``BACKENDS``, ``doctor``)."""

from __future__ import annotations

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.video.backends.ffmpeg import FfmpegAssembler
from engine.video.base import VideoBackend

#: The backends, by module name.
BACKENDS: tuple[str, ...] = ("ffmpeg",)

_instances: dict[str, VideoBackend] = {}


def get_backend(spec: str = "auto") -> VideoBackend:
    """The backend named ``spec``; "auto" = ffmpeg (the only one)."""
    name = "ffmpeg" if spec in ("auto", "") else spec
    if name not in BACKENDS:
        raise BackendUnavailable("video", f"unknown video backend {spec!r}; known: {', '.join(BACKENDS)}")
    return _instances.setdefault(name, FfmpegAssembler())


def doctor() -> list[BackendStatus]:
    """Rows for ffmpeg and the font (the backend) and the fallback text cards."""
    return [row for name in BACKENDS for row in get_backend(name).status()]
