"""Router-level filters."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.settings import Settings


class IsAdmin(Filter):
    """Admin commands exist only for ids listed in ADMIN_IDS; others fall through to "unknown"."""

    async def __call__(self, event: TelegramObject, settings: Settings, **_: Any) -> bool:
        user = getattr(event, "from_user", None)
        return user is not None and user.id in settings.admin_ids


class AwaitingPrompt(Filter):
    """The user typed /story without a prompt, so their next plain message is the prompt."""

    async def __call__(self, event: TelegramObject, user: Any = None, **_: Any) -> bool:
        return bool(user is not None and user.awaiting_prompt)
