"""/history: recent stories; send one again by Telegram file id, re-voice or retry it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.common import own_story
from bot.keyboards import StoryCb, history_keyboard
from bot.runner import StoryRunner
from bot.texts import shorten, t
from storage import repo
from storage.models import User


async def history(message: Message, session: AsyncSession, user: User, lang: str) -> None:
    stories = await repo.recent_stories(session, user.id, limit=10)
    await session.commit()  # release the connection before talking to Telegram
    if not stories:
        await message.answer(t(lang, "history_empty"))
        return
    lines = [t(lang, "history_header")]
    for n, story in enumerate(stories, 1):
        lines.append(
            t(
                lang,
                "history_item",
                n=n,
                title=shorten(story.title or story.prompt, 60),
                status=t(lang, f"status_{story.status}"),
            )
        )
    await message.answer("\n".join(lines), reply_markup=history_keyboard(stories, lang))


async def send_again(
    cq: CallbackQuery, callback_data: StoryCb, session: AsyncSession, lang: str, runner: StoryRunner
) -> None:
    story = await own_story(cq, session, callback_data.story, lang, finished=True)
    if story is None:
        return
    await cq.answer()
    await runner.send_again(story, lang)


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="history")
    router.message.register(history, Command("history"))
    router.callback_query.register(send_again, StoryCb.filter(F.action == "send"))
    return router
