"""What `python -m engine doctor` shows: one row per backend of every block."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackendStatus:
    """A backend's readiness. ``detail`` says what it runs on, or what is missing and how to get it."""

    block: str  # "text" | "speech" | "music" | "images" | "upscale" | "video"
    name: str
    ready: bool
    detail: str
    default: bool = False  # the one "auto" picks right now
