"""/settings: interface language, default narrator, picture shape, story length."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine_facade import Engine
from bot.keyboards import LENGTHS, SettingsCb, settings_keyboard, settings_options, voice_label
from bot.texts import LANGS, t
from engine.story import ASPECTS
from storage.models import User


def describe(user: User, lang: str, voices: list[object]) -> str:
    current = user.voice_for(user.language)
    names = {str(getattr(v, "id", v)): voice_label(v) for v in voices}
    voice = names.get(current or "", current) if current else t(lang, "voice_auto")
    return t(
        lang,
        "settings",
        language=t(lang, f"lang_{user.language}"),
        voice=voice,
        aspect=user.aspect,
        length=t(lang, f"length_{user.length}"),
    )


async def show(message: Message, user: User, lang: str, engine: Engine) -> None:
    voices = list(await asyncio.to_thread(engine.voices_for, user.language))
    await message.answer(describe(user, lang, voices), reply_markup=settings_keyboard(lang))


async def change(
    cq: CallbackQuery, callback_data: SettingsCb, session: AsyncSession, user: User, lang: str, engine: Engine
) -> None:
    key, value = callback_data.key, callback_data.value
    if key == "aspect":
        value = value.replace("x", ":")
    voices = list(await asyncio.to_thread(engine.voices_for, user.language))
    if key == "menu" and value:
        await cq.answer()
        text = (
            t(lang, "choose_default_voice", language=t(lang, f"lang_{user.language}"))
            if value == "voice"
            else t(lang, f"settings_{value}")
        )
        if isinstance(cq.message, Message):
            await cq.message.edit_text(text, reply_markup=settings_options(value, lang, voices))
        return
    saved = True
    if key == "language" and value in LANGS:
        user.language, user.language_chosen = value, True
        lang = value
    elif key == "aspect" and value in ASPECTS:
        user.aspect = value
    elif key == "length" and value in LENGTHS:
        user.length = value
    elif key == "voice" and value == "-":
        user.remember_voice(user.language, None)
    elif key == "voice" and value.isdigit() and int(value) < len(voices):
        user.remember_voice(user.language, str(getattr(voices[int(value)], "id", voices[int(value)])))
    elif key != "menu":
        saved = False
    await session.commit()
    await cq.answer(t(lang, "settings_saved") if saved and key != "menu" else None)
    if isinstance(cq.message, Message):
        voices = list(await asyncio.to_thread(engine.voices_for, user.language))
        text = describe(user, lang, voices)
        if cq.message.text != text.replace("<b>", "").replace("</b>", ""):
            await cq.message.edit_text(text, reply_markup=settings_keyboard(lang))


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="settings")
    router.message.register(show, Command("settings"))
    router.callback_query.register(change, SettingsCb.filter())
    return router
