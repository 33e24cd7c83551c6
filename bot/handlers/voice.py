"""Choosing the narrator: for a new story, and to re-voice a finished one."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine_facade import Engine
from bot.handlers.common import own_story
from bot.keyboards import StoryCb, VoiceCb, voices_keyboard
from bot.runner import StoryRunner
from bot.texts import shorten, t
from storage import repo
from storage.models import StoryStatus, User


async def voice_chosen(
    cq: CallbackQuery,
    callback_data: VoiceCb,
    session: AsyncSession,
    user: User,
    lang: str,
    runner: StoryRunner,
) -> None:
    story = await own_story(cq, session, callback_data.story, lang)
    if story is None:
        return
    if story.status != StoryStatus.DRAFT:
        await cq.answer(t(lang, "already_queued"))
        return
    if not 0 <= callback_data.idx < len(story.offered_voices):
        await cq.answer(t(lang, "stale_button"), show_alert=True)
        return
    voice = str(story.offered_voices[callback_data.idx])
    if not await repo.claim_draft(session, story.id, voice):  # a double tap lost the race
        await session.rollback()
        await cq.answer(t(lang, "already_queued"))
        return
    user.remember_voice(story.language, voice)
    await session.commit()  # the story is queued in the DB before the runner takes it
    await cq.answer()
    message_id = cq.message.message_id if isinstance(cq.message, Message) else None
    await runner.enqueue(story.id, status_message_id=message_id)


async def revoice(
    cq: CallbackQuery,
    callback_data: StoryCb,
    session: AsyncSession,
    user: User,
    lang: str,
    engine: Engine,
    runner: StoryRunner,
) -> None:
    """Offer narrators for a finished story; the new video reuses its text and pictures."""
    story = await own_story(cq, session, callback_data.story, lang, finished=True)
    if story is None:
        return
    await cq.answer()
    voices = [
        v
        for v in await asyncio.to_thread(engine.voices_for, story.language)
        if str(getattr(v, "id", v)) != story.voice
    ]
    if not voices:
        await cq.bot.send_message(story.chat_id, t(lang, "no_voices"))  # type: ignore[union-attr]
        return
    draft = await repo.create_story(
        session,
        user_id=user.id,
        chat_id=story.chat_id,
        kind="revoice",
        parent_id=story.id,
        prompt=story.prompt,
        language=story.language,
        offered_voices=[str(getattr(v, "id", v)) for v in voices],
        aspect=story.aspect,
        duration=story.duration,
        title=story.title,
        status=StoryStatus.DRAFT,
    )
    draft.folder = str(runner.story_folder(draft.id))
    await session.commit()
    await cq.bot.send_message(  # type: ignore[union-attr]
        story.chat_id,
        t(lang, "choose_voice", prompt=shorten(story.title or story.prompt, 200)),
        reply_markup=voices_keyboard(draft.id, voices, lang),
    )


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="voice")
    router.callback_query.register(voice_chosen, VoiceCb.filter())
    router.callback_query.register(revoice, StoryCb.filter(F.action == "revoice"))
    return router
