"""Everything no feature claimed: unknown commands, stray text, out-of-date buttons."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.texts import t


async def unknown_command(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown_command"))


async def anything_else(message: Message, lang: str) -> None:
    await message.answer(t(lang, "plain_text_hint"))


async def stale_callback(cq: CallbackQuery, lang: str) -> None:
    await cq.answer(t(lang, "stale_button"), show_alert=True)


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="fallback")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(anything_else)
    router.callback_query.register(stale_callback)
    return router
