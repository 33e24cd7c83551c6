"""Talking to Telegram when it pushes back: flood control, outages, blocked users.

One retry policy for every Bot API call, as an aiogram request middleware on the bot's session
(``RetryMiddleware``), instead of a wrapper at each call site:

- 429 flood control: wait ``retry_after`` and send again;
- 5xx and network failures: back off (base × 2^attempt) and send again;
- 403 (the user blocked the bot), 400 and 413 are answers, not outages: never retried here.

Calls that must not wait are excluded: ``getUpdates`` (polling has its own backoff),
``answerCallbackQuery`` (a late answer is useless), and anything sent inside ``no_retry()`` — the
progress loop, which coalesces instead: after a 429 it shows the *newest* content later rather
than waiting to send stale content.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

log = logging.getLogger(__name__)

_no_retry: contextvars.ContextVar[bool] = contextvars.ContextVar("telegram_no_retry", default=False)
NEVER_RETRIED = (GetUpdates, AnswerCallbackQuery)


class ChatGone(Exception):
    """The user blocked the bot (403): stop talking to this chat."""


@contextlib.contextmanager
def no_retry() -> Iterator[None]:
    """Calls made inside fail fast on 429 / 5xx (the caller has its own plan, e.g. coalescing)."""
    token = _no_retry.set(True)
    try:
        yield
    finally:
        _no_retry.reset(token)


class RetryMiddleware(BaseRequestMiddleware):
    """The bot's one retry policy (see the module docstring)."""

    def __init__(self, retries: int = 5, base_delay: float = 1.0, max_wait: float = 120.0) -> None:
        self.retries = retries
        self.base_delay = base_delay
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _no_retry.get() or isinstance(method, NEVER_RETRIED):
            return await make_request(bot, method)
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramEntityTooLarge:
                raise  # a subclass of TelegramNetworkError, but the same bytes cannot fit next time
            except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as err:
                if attempt >= self.retries:
                    raise
                wait = self._wait(err, attempt)
                log.info("%s: %s; retrying in %.1f s", type(method).__name__, type(err).__name__, wait)
                await asyncio.sleep(wait)
            attempt += 1

    def _wait(self, err: Exception, attempt: int) -> float:
        if isinstance(err, TelegramRetryAfter):
            return min(float(err.retry_after), self.max_wait)
        return min(self.base_delay * 2**attempt, self.max_wait)


def install_retry(bot: Any, retries: int, base_delay: float) -> None:
    """Register the policy on ``bot``'s session (once)."""
    if not any(isinstance(m, RetryMiddleware) for m in bot.session.middleware):
        bot.session.middleware(RetryMiddleware(retries, base_delay))


class RateLimiter:
    """Token bucket shared by all progress edits: keeps the bot under Telegram's ~30 messages/s."""

    def __init__(self, rate: float = 25.0, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst or rate
        self._tokens = self.burst
        self._t = time.monotonic()
        self._lock = asyncio.Lock()

    def try_acquire(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
        self._t = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def acquire(self) -> None:
        async with self._lock:
            while not self.try_acquire():
                await asyncio.sleep(max(0.01, (1 - self._tokens) / self.rate))
