"""Talking to Telegram when it pushes back: flood control, outages, blocked users.

Final sends (the video, results, errors) must arrive, so they wait out 429s and retry 5xx and
network failures with backoff. A user who blocked the bot is different: we stop at once and let
the caller remember it (ChatGone), because retrying would only repeat the 403.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class ChatGone(Exception):
    """The user blocked the bot (403): stop talking to this chat."""


async def send_retrying(
    call: Callable[[], Awaitable[T]], retries: int = 5, base_delay: float = 1.0, max_wait: float = 120.0
) -> T:
    """Run ``call`` until it succeeds; wait ``retry_after`` on 429, back off on 5xx / network errors."""
    attempt = 0
    while True:
        try:
            return await call()
        except TelegramForbiddenError as err:
            raise ChatGone(str(err)) from err
        except TelegramEntityTooLarge:
            raise  # a subclass of TelegramNetworkError, but retrying the same bytes cannot help
        except TelegramRetryAfter as err:
            if attempt >= retries:
                raise
            wait = min(float(err.retry_after), max_wait)
            log.info("flood control: waiting %.0f s before retrying", wait)
            await asyncio.sleep(wait)
        except (TelegramServerError, TelegramNetworkError) as err:
            if attempt >= retries:
                raise
            wait = min(base_delay * 2**attempt, max_wait)
            log.info("telegram %s; retrying in %.1f s", type(err).__name__, wait)
            await asyncio.sleep(wait)
        attempt += 1


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
