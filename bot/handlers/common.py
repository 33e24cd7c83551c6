"""Checks every story button goes through: the story exists, and it belongs to whoever tapped."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.texts import t
from storage.models import Story, StoryStatus


async def own_story(
    cq: CallbackQuery, session: AsyncSession, story_id: int, lang: str, *, finished: bool = False
) -> Story | None:
    """The story behind a button, or None after answering why not (stale / someone else's /
    with ``finished``, not done yet)."""
    story = await session.get(Story, story_id)
    await session.commit()  # release the connection before answering Telegram (the row stays loaded)
    if story is None:
        await cq.answer(t(lang, "stale_button"), show_alert=True)
        return None
    if story.user_id != cq.from_user.id:
        await cq.answer(t(lang, "not_yours"), show_alert=True)
        return None
    if finished and story.status != StoryStatus.DONE:
        await cq.answer(t(lang, "not_ready"))
        return None
    return story


def split_text(text: str, limit: int = 4000) -> list[str]:
    """Split long text on paragraph / line / word boundaries into Telegram-sized pieces."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
