"""Per-update plumbing: a database session, and the user row with their language.

The session is opened per update and committed at its end (MasterGroosha's pattern). The user row
is created or refreshed first and committed at once, so a handler never holds SQLite's write lock
while it waits on Telegram.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.user_cache import UserCache, UserRegistrar
from storage.models import utcnow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessions() as session:
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            return result


class UserMiddleware(BaseMiddleware):
    """Loads (or registers) the sender; puts ``user`` and ``lang`` into handler data.

    Rows come from the UserCache when possible; otherwise from the UserRegistrar, which loads and
    creates the rows of many first contacts in one transaction. Either way the row is merged into
    this update's session without a query, so handlers can still change and commit it.
    """

    def __init__(self, cache: UserCache, registrar: UserRegistrar) -> None:
        self.cache = cache
        self.registrar = registrar

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user = data.get("event_from_user")
        session: AsyncSession = data["session"]
        if tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        cached = self.cache.get(tg_user.id)
        if cached is not None and utcnow() - cached.last_seen <= timedelta(minutes=5):
            user = await session.merge(cached, load=False)
        else:
            row = await self.registrar.get(
                tg_user.id, tg_user.first_name or "", tg_user.username, tg_user.language_code
            )
            self.cache.put(row, self.cache.generation(tg_user.id))  # written and committed just now
            user = await session.merge(row, load=False)
        data["user"] = user
        data["lang"] = user.language
        return await handler(event, data)
