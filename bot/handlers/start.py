"""/start and /help: who we are and an example, in the user's language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.texts import t
from storage.models import User


async def start(message: Message, user: User, lang: str) -> None:
    user.awaiting_prompt = False
    await message.answer(t(lang, "start", name=user.first_name or "friend"))


async def help_(message: Message, lang: str) -> None:
    await message.answer(t(lang, "help"))


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    return router
