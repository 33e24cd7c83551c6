"""/story <prompt>: check the prompt, store it as a draft, offer narrators for its language."""

from __future__ import annotations

import asyncio
import html
import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine_facade import Engine
from bot.filters import AwaitingPrompt
from bot.handlers.common import own_story, split_text
from bot.keyboards import LENGTHS, CancelCb, StoryCb, voices_keyboard
from bot.runner import StoryRunner
from bot.texts import shorten, t
from engine.errors import PromptError
from storage import repo
from storage.models import StoryStatus, User

log = logging.getLogger(__name__)

MAX_PROMPT = 1000  # characters; a prompt is an idea, not a manuscript


async def story_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    lang: str,
    engine: Engine,
    runner: StoryRunner,
) -> None:
    prompt = (command.args or "").strip()
    if not prompt:
        user.awaiting_prompt = True
        await session.commit()
        await message.answer(t(lang, "ask_prompt"))
        return
    await propose(message, prompt, session, user, lang, engine, runner)


async def prompt_message(
    message: Message, session: AsyncSession, user: User, lang: str, engine: Engine, runner: StoryRunner
) -> None:
    await propose(message, message.text or "", session, user, lang, engine, runner)


async def propose(
    message: Message,
    prompt: str,
    session: AsyncSession,
    user: User,
    lang: str,
    engine: Engine,
    runner: StoryRunner,
) -> None:
    """Validate, detect the language, store a draft, show narrator buttons (last choice first)."""
    if len(prompt) > MAX_PROMPT:
        await message.answer(t(lang, "prompt_too_long", length=len(prompt), limit=MAX_PROMPT))
        return
    try:
        clean = await asyncio.to_thread(engine.validate_prompt, prompt)
    except PromptError as err:
        await message.answer(t(lang, "prompt_bad", hint=err.hint or str(err)))
        return
    story_lang = await asyncio.to_thread(engine.detect_language, clean)
    voices = list(await asyncio.to_thread(engine.voices_for, story_lang))
    if not voices:
        await message.answer(t(lang, "no_voices"))
        return
    preferred = user.voice_for(story_lang) or await asyncio.to_thread(engine.default_voice, story_lang)
    voices.sort(key=lambda v: getattr(v, "id", v) != preferred)  # stable: the preferred voice first
    story = await repo.create_story(
        session,
        user_id=user.id,
        chat_id=message.chat.id,
        prompt=clean,
        language=story_lang,
        offered_voices=[str(getattr(v, "id", v)) for v in voices],
        aspect=user.aspect,
        duration=LENGTHS.get(user.length, 75.0),
        status=StoryStatus.DRAFT,
    )
    story.folder = str(runner.story_folder(story.id))
    user.awaiting_prompt = False
    await session.commit()  # the draft is stored before we talk to Telegram
    sent = await message.answer(
        t(lang, "choose_voice", prompt=shorten(clean, 200)),
        reply_markup=voices_keyboard(story.id, voices, lang),
    )
    story.status_message_id = sent.message_id


# ---------------------------------------------------------------------- buttons on a story's messages
async def cancel(
    cq: CallbackQuery, callback_data: CancelCb, session: AsyncSession, lang: str, runner: StoryRunner
) -> None:
    story = await own_story(cq, session, callback_data.story, lang)
    if story is None:
        return
    title = shorten(story.title or story.prompt, 60)
    if story.status == StoryStatus.DRAFT:
        cancelled = await repo.cancel_draft(session, story.id)
        await session.commit()
        await cq.answer()
        if cancelled and isinstance(cq.message, Message):
            await cq.message.edit_text(t(lang, "cancelled", title=title))
        return
    job = await repo.active_job_for_story(session, story.id)
    await session.commit()  # release the connection before answering Telegram
    if job is not None and runner.cancel(job.id):
        await cq.answer(t(lang, "cancelled", title=title))
    else:
        await cq.answer(t(lang, "cancel_late"))


async def retry(
    cq: CallbackQuery, callback_data: StoryCb, session: AsyncSession, lang: str, runner: StoryRunner
) -> None:
    story = await own_story(cq, session, callback_data.story, lang)
    if story is None:
        return
    claimed = await repo.claim_retry(session, story.id)
    await session.commit()  # release SQLite's write lock before the runner writes the job
    if not claimed:
        await cq.answer(t(lang, "already_queued"))
        return
    await cq.answer()
    message_id = cq.message.message_id if isinstance(cq.message, Message) else None
    await runner.enqueue(story.id, status_message_id=message_id)


async def story_text(cq: CallbackQuery, callback_data: StoryCb, session: AsyncSession, lang: str) -> None:
    story = await own_story(cq, session, callback_data.story, lang)
    if story is None:
        return
    await cq.answer()
    if not story.text:
        await cq.bot.send_message(cq.from_user.id, t(lang, "not_ready"))  # type: ignore[union-attr]
        return
    for piece in split_text(f"{story.title}\n\n{story.text}" if story.title else story.text):
        await cq.bot.send_message(story.chat_id, html.escape(piece, quote=False))  # type: ignore[union-attr]


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="story")
    router.message.register(story_command, Command("story"))
    router.message.register(prompt_message, AwaitingPrompt(), F.text, ~F.text.startswith("/"))
    router.callback_query.register(cancel, CancelCb.filter())
    router.callback_query.register(retry, StoryCb.filter(F.action == "retry"))
    router.callback_query.register(story_text, StoryCb.filter(F.action == "text"))
    return router
