"""Getting the finished video to the user, exactly once and within Telegram's upload limit.

Exactly once: the story row records that an upload *began* (``delivery_started_at``) before the
first byte is sent, and the Telegram file id after. A restart sends stories that are done but
whose upload never began; one whose upload began but left no file id may have reached the user,
so it is not sent again on its own (the user still has it in /history).

Within the limit: the Bot API refuses uploads over about 50 MB (HTTP 413) and the exact byte count
is undocumented, so: check the size first and re-encode smaller when over; if Telegram still
answers 413, re-encode to half the size and try again; as a last resort send the smallest version
as a document. Sending by file id (history) never uploads anything. The media work itself (probe,
re-encode into a byte budget) is the engine's video block: engine.video.media.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramEntityTooLarge, TelegramForbiddenError
from aiogram.types import FSInputFile, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards import video_keyboard
from bot.texts import shorten, t
from engine.errors import StageError
from engine.video.media import fit_to_bytes, probe
from storage import repo
from storage.models import Story

log = logging.getLogger(__name__)


class TooLarge(Exception):
    """Even the smallest version did not fit through the Bot API."""


@dataclass
class Sent:
    file_id: str
    sent_as: str  # video | document
    size: int
    message: Message


def fitted(src: Path, max_bytes: int) -> Path:
    """``src`` re-encoded into ``max_bytes`` beside it (the engine's video block does the media work)."""
    dst = src.with_name(f"{src.stem}.{max_bytes // 1024}k.mp4")
    fit_to_bytes(src, dst, max_bytes)
    return dst


async def send_story_video(
    bot: Bot,
    chat_id: int,
    path: Path,
    caption: str,
    markup: InlineKeyboardMarkup | None,
    limit: int,
    document_note: str = "",
) -> Sent:
    """Upload the video (streamable), shrinking or falling back to a document on 413.

    429 / 5xx / network failures are retried by the bot's RetryMiddleware; 403 propagates.
    """
    info = await asyncio.to_thread(probe, path)
    candidate = path
    if info.size_bytes > limit:
        candidate = await asyncio.to_thread(fitted, path, limit)
    for _attempt in range(2):
        try:
            msg = await bot.send_video(
                chat_id,
                FSInputFile(candidate, filename="story.mp4"),
                caption=caption,
                reply_markup=markup,
                supports_streaming=True,
                width=info.width or None,
                height=info.height or None,
                duration=round(info.duration) or None,
            )
            assert msg.video is not None
            return Sent(msg.video.file_id, "video", candidate.stat().st_size, msg)
        except TelegramEntityTooLarge:
            size = candidate.stat().st_size
            log.info("413 for %d bytes in chat %s; re-encoding to half", size, chat_id)
            try:
                candidate = await asyncio.to_thread(fitted, path, size // 2)
            except StageError:  # too long to fit in half: the document fallback below decides
                break
    note = f"{caption}\n\n{document_note}" if document_note else caption
    try:
        msg = await bot.send_document(
            chat_id, FSInputFile(candidate, filename="story.mp4"), caption=note[:1024], reply_markup=markup
        )
    except TelegramEntityTooLarge as err:
        raise TooLarge(str(err)) from err
    assert msg.document is not None
    return Sent(msg.document.file_id, "document", candidate.stat().st_size, msg)


def caption(title: str) -> str:
    return "🎬 <b>" + html.escape(shorten(title, 1000), quote=False) + "</b>"


class Delivery:
    """Sends finished stories and short notes; remembers users who blocked the bot."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], upload_limit: int) -> None:
        self.bot = bot
        self.sessions = sessions
        self.upload_limit = upload_limit

    async def deliver(self, story_id: int, path: Path, chat_id: int, lang: str, title: str) -> Sent | None:
        """Upload once: claim the delivery in the database first, record the file id after."""
        async with self.sessions.begin() as s:
            if not await repo.start_delivery(s, story_id):
                log.info("story %s: delivery already began elsewhere; not sending twice", story_id)
                return None
        return await self._upload(story_id, path, chat_id, lang, title)

    async def _upload(self, story_id: int, path: Path, chat_id: int, lang: str, title: str) -> Sent | None:
        try:
            sent = await send_story_video(
                self.bot,
                chat_id,
                path,
                caption(title),
                video_keyboard(story_id, lang),
                self.upload_limit,
                document_note=t(lang, "too_large_document"),
            )
        except TelegramForbiddenError:
            await self.mark_blocked(chat_id)
            return None
        except TooLarge:
            await self.tell(chat_id, t(lang, "too_large_failed", title=title))
            return None
        except Exception:
            log.exception("could not send the video of story %s", story_id)
            await self.tell(chat_id, t(lang, "send_failed", title=title))
            return None
        async with self.sessions.begin() as s:
            await repo.record_delivery(s, story_id, sent.file_id, sent.sent_as, sent.size)
        return sent

    async def send_again(self, story: Story, lang: str) -> None:
        """History: by file id when Telegram has the file, else upload from the story folder."""
        title = shorten(story.title or story.prompt, 200)
        markup = video_keyboard(story.id, lang)
        if story.telegram_file_id:
            try:
                if story.sent_as == "document":
                    await self.bot.send_document(
                        story.chat_id, story.telegram_file_id, caption=caption(title), reply_markup=markup
                    )
                else:
                    await self.bot.send_video(
                        story.chat_id,
                        story.telegram_file_id,
                        caption=caption(title),
                        reply_markup=markup,
                        supports_streaming=True,
                    )
                return
            except TelegramForbiddenError:
                await self.mark_blocked(story.chat_id)
                return
            except Exception:
                log.warning("re-send by file id failed for story %s; uploading", story.id, exc_info=True)
        path = Path(story.folder or "") / (story.video_file or "video.mp4")
        if not path.is_file():
            await self.tell(story.chat_id, t(lang, "no_video"))
            return
        await self._upload(story.id, path, story.chat_id, lang, title)

    async def tell(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        try:
            await self.bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            await self.mark_blocked(chat_id)
        except Exception:
            log.warning("could not tell chat %s", chat_id, exc_info=True)

    async def mark_blocked(self, chat_id: int) -> None:
        log.info("chat %s blocked the bot; keeping its stories, not retrying", chat_id)
        async with self.sessions.begin() as s:
            await repo.mark_blocked(s, chat_id)
