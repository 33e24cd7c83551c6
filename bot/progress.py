"""One status message per job, edited as the engine reports progress.

Why this shape: the engine reports many times a second, Telegram allows about one message per
second per chat and punishes more with 429. So the latest wanted content is kept, and a small loop
flushes it at most once per ``interval``: intermediate states are coalesced, identical edits are
never sent, a 429 just pushes the next edit back, a deleted status message is sent anew, and a
user who blocked the bot ends the loop quietly. Progress must never fail a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from bot.telegram_io import RateLimiter, no_retry
from bot.texts import Raw, shorten, stage_name, t
from engine.progress import Progress

log = logging.getLogger(__name__)


def progress_bar(fraction: float, cells: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * cells)
    return "▰" * filled + "▱" * (cells - filled)


def human_duration(lang: str, seconds: float) -> str:
    if seconds >= 90:
        return t(lang, "minutes", n=round(seconds / 60))
    return t(lang, "seconds", n=max(5, int(round(seconds / 5) * 5)))


def render_progress(lang: str, title: str, p: Progress, elapsed: float) -> str:
    """Stage name, a bar for the whole job, the engine's own note and a time estimate."""
    detail = []
    if p.message:
        detail.append(html.escape(shorten(p.message, 120), quote=False))
    if 0.03 <= p.overall < 0.99 and elapsed > 0:
        remaining = elapsed * (1 - p.overall) / p.overall
        detail.append(t(lang, "eta_left", eta=human_duration(lang, remaining)))
    return t(
        lang,
        "progress",
        title=title,
        stage=Raw(stage_name(lang, p.stage)),
        bar=progress_bar(p.overall),
        percent=int(p.overall * 100),
        detail=Raw("\n".join(detail)),
    ).rstrip()


class StatusMessage:
    """The job's status message in one chat. ``show()`` is cheap; a background loop does the edits."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        message_id: int | None = None,
        interval: float = 1.0,
        limiter: RateLimiter | None = None,
        on_new_message: Callable[[int], None] | None = None,
        on_gone: Callable[[], None] | None = None,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self.interval = interval
        self.limiter = limiter
        self.on_new_message = on_new_message
        self.on_gone = on_gone
        self.gone = False
        self.edits = 0
        self._wanted: tuple[str, InlineKeyboardMarkup | None] | None = None
        self._shown: tuple[str, str | None] | None = None
        self._not_before = 0.0
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # ------------------------------------------------------------------ public
    def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Ask for this content; it appears within ``interval`` unless newer content replaces it."""
        if self._closed or self.gone:
            return
        self._wanted = (text, markup)
        self._dirty.set()
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"status-{self.chat_id}")

    async def finish(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Show the final content now (the bot's retry policy waits out 429 / 5xx) and stop the loop."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.gone:
            return
        wait = self._not_before - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            await self._put(text, markup)
        except TelegramForbiddenError:
            self._mark_gone()
        except Exception:  # the final status is a courtesy: the result itself is sent separately
            log.warning("final status edit failed in chat %s", self.chat_id, exc_info=True)

    async def close(self) -> None:
        """Stop the loop without touching the message (e.g. on shutdown)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # ------------------------------------------------------------------ internals
    async def _loop(self) -> None:
        while not self._closed and not self.gone:
            await self._dirty.wait()
            wait = self._not_before - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty.clear()
            if self._wanted is None:
                continue
            text, markup = self._wanted
            if self._shown == (text, _markup_key(markup)):
                continue
            if self.limiter is not None:
                await self.limiter.acquire()
            try:
                with no_retry():  # coalesce instead: the newest content goes out after the wait
                    await self._put(text, markup)
                self._not_before = time.monotonic() + self.interval
            except TelegramRetryAfter as err:
                # Flood control: coalesce — keep the newest wanted content, try again later.
                self._not_before = time.monotonic() + float(err.retry_after)
                self._dirty.set()
            except TelegramForbiddenError:
                self._mark_gone()
            except (TelegramServerError, TelegramNetworkError):
                self._not_before = time.monotonic() + max(self.interval, 2.0)
                self._dirty.set()
            except TelegramBadRequest:
                log.warning("status edit rejected in chat %s", self.chat_id, exc_info=True)
                self._not_before = time.monotonic() + self.interval

    async def _put(self, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """Edit the message, or send it if there is none (or the user deleted it)."""
        key = (text, _markup_key(markup))
        if self._shown == key:
            return
        if self.message_id is not None:
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup
                )
                self._shown = key
                self.edits += 1
                return
            except TelegramBadRequest as err:
                note = str(err).lower()
                if "not modified" in note:
                    self._shown = key
                    return
                if "message to edit not found" not in note and "can't be edited" not in note:
                    raise
                # The user deleted the status message: start a new one below.
        msg = await self.bot.send_message(self.chat_id, text, reply_markup=markup)
        self.message_id = msg.message_id
        self._shown = key
        if self.on_new_message is not None:
            self.on_new_message(msg.message_id)

    def _mark_gone(self) -> None:
        self.gone = True
        if self.on_gone is not None:
            self.on_gone()


def _markup_key(markup: InlineKeyboardMarkup | None) -> str | None:
    return markup.model_dump_json(exclude_none=True) if markup is not None else None
