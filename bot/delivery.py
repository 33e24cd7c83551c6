"""Getting the finished video to the user within Telegram's upload limit.

The Bot API refuses uploads over about 50 MB (HTTP 413) and the exact byte count is undocumented,
so: check the size first and re-encode smaller when over; if Telegram still answers 413, re-encode
to half the size and try again; as a last resort send the smallest version as a document. Sending
by file id (history) never uploads anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramEntityTooLarge
from aiogram.types import FSInputFile, InlineKeyboardMarkup, Message

from bot.telegram_io import send_retrying
from engine.proc import run

log = logging.getLogger(__name__)


class TooLarge(Exception):
    """Even the smallest version did not fit through the Bot API."""


@dataclass
class Sent:
    file_id: str
    sent_as: str  # video | document
    size: int
    message: Message


def probe(path: Path) -> dict[str, float]:
    """Duration, width, height of an mp4 (ffprobe); empty when unreadable."""
    try:
        out = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height:format=duration",
                "-of",
                "json",
                str(path),
            ],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        data = json.loads(out)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return {}
    info: dict[str, float] = {}
    streams = data.get("streams") or [{}]
    info["width"] = float(streams[0].get("width") or 0)
    info["height"] = float(streams[0].get("height") or 0)
    with contextlib.suppress(TypeError, ValueError):
        info["duration"] = float(data.get("format", {}).get("duration"))
    return info


def shrink(src: Path, target_bytes: int) -> Path:
    """Re-encode ``src`` to about ``target_bytes`` (bitrate from its duration; scaled down when needed)."""
    info = probe(src)
    duration = max(1.0, info.get("duration", 60.0))
    audio_bps = 64_000
    video_bps = max(50_000, int(target_bytes * 8 * 0.92 / duration) - audio_bps)
    width = int(info.get("width") or 1280)
    scale = 1.0 if video_bps > 1_500_000 else 0.75 if video_bps > 600_000 else 0.5
    out = src.with_name(f"{src.stem}.{target_bytes // 1024}k.mp4")
    new_w = max(2, int(width * scale) // 2 * 2)
    run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-i",
            str(src),
            "-vf",
            f"scale={new_w}:-2",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-b:v",
            str(video_bps),
            "-maxrate",
            str(video_bps),
            "-bufsize",
            str(video_bps * 2),
            "-c:a",
            "aac",
            "-b:a",
            str(audio_bps),
            "-movflags",
            "+faststart",
            str(out),
        ],
        stage="video",
    )
    return out


async def send_story_video(
    bot: Bot,
    chat_id: int,
    path: Path,
    caption: str,
    markup: InlineKeyboardMarkup | None,
    limit: int,
    retries: int = 5,
    base_delay: float = 1.0,
    document_note: str = "",
) -> Sent:
    """Upload the video (streamable), shrinking or falling back to a document on 413."""
    info = await asyncio.to_thread(probe, path)
    candidate = path
    if path.stat().st_size > limit:
        candidate = await asyncio.to_thread(shrink, path, int(limit * 0.9))
    for _attempt in range(2):

        async def upload(video: Path = candidate) -> Message:
            return await bot.send_video(
                chat_id,
                FSInputFile(video, filename="story.mp4"),
                caption=caption,
                reply_markup=markup,
                supports_streaming=True,
                width=int(info.get("width") or 0) or None,
                height=int(info.get("height") or 0) or None,
                duration=round(info["duration"]) if info.get("duration") else None,
            )

        try:
            msg = await send_retrying(upload, retries, base_delay)
            assert msg.video is not None
            return Sent(msg.video.file_id, "video", candidate.stat().st_size, msg)
        except TelegramEntityTooLarge:
            size = candidate.stat().st_size
            log.info("413 for %d bytes in chat %s; re-encoding to half", size, chat_id)
            candidate = await asyncio.to_thread(shrink, path, size // 2)

    async def as_document() -> Message:
        note = f"{caption}\n\n{document_note}" if document_note else caption
        return await bot.send_document(
            chat_id, FSInputFile(candidate, filename="story.mp4"), caption=note[:1024], reply_markup=markup
        )

    try:
        msg = await send_retrying(as_document, retries, base_delay)
    except TelegramEntityTooLarge as err:
        raise TooLarge(str(err)) from err
    assert msg.document is not None
    return Sent(msg.document.file_id, "document", candidate.stat().st_size, msg)


async def resend(
    bot: Bot,
    chat_id: int,
    file_id: str,
    sent_as: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
    retries: int = 5,
    base_delay: float = 1.0,
) -> Message:
    """Send a story again by its Telegram file id: no bytes are uploaded."""
    if sent_as == "document":
        return await send_retrying(
            lambda: bot.send_document(chat_id, file_id, caption=caption, reply_markup=markup),
            retries,
            base_delay,
        )
    return await send_retrying(
        lambda: bot.send_video(
            chat_id, file_id, caption=caption, reply_markup=markup, supports_streaming=True
        ),
        retries,
        base_delay,
    )
