"""Inline keyboards and their callback data.

Callback data carries only small ids (Telegram allows 64 bytes): a story id and the index of a
voice in the list stored with that story, never free text. Handlers re-check ownership and state,
so a stale or foreign button cannot do anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.texts import shorten, t
from engine.story import ASPECTS
from storage.models import StoryStatus


class VoiceCb(CallbackData, prefix="v"):
    story: int
    idx: int


class CancelCb(CallbackData, prefix="c"):
    story: int


class StoryCb(CallbackData, prefix="s"):
    action: str  # text | send | revoice | retry
    story: int


class SettingsCb(CallbackData, prefix="cfg"):
    key: str  # menu | language | voice | aspect | length
    value: str = ""  # ":" separates fields in callback data, so aspects travel as "16x9"


LENGTHS: dict[str, float] = {"short": 45.0, "medium": 75.0, "long": 120.0}


def voice_label(voice: Any) -> str:
    name = getattr(voice, "name", None) or str(getattr(voice, "id", voice))
    gender = getattr(voice, "gender", "")
    mark = {"female": "♀", "male": "♂"}.get(str(gender), "")
    return shorten(f"{name} {mark}".strip(), 40)


def voices_keyboard(story_id: int, voices: Sequence[Any], lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, v in enumerate(voices):
        kb.button(text=voice_label(v), callback_data=VoiceCb(story=story_id, idx=i))
    kb.button(text=t(lang, "cancel_button"), callback_data=CancelCb(story=story_id))
    kb.adjust(2)
    return kb.as_markup()


def cancel_keyboard(story_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t(lang, "cancel_button"), callback_data=CancelCb(story=story_id).pack()
                )
            ]
        ]
    )


def video_keyboard(story_id: int, lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "text_button"), callback_data=StoryCb(action="text", story=story_id))
    kb.button(text=t(lang, "revoice_button"), callback_data=StoryCb(action="revoice", story=story_id))
    return kb.as_markup()


def retry_keyboard(story_id: int, lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "retry_button"), callback_data=StoryCb(action="retry", story=story_id))
    return kb.as_markup()


def history_keyboard(stories: Sequence[Any], lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    widths = []
    for n, story in enumerate(stories, 1):
        if story.status == StoryStatus.DONE:
            kb.button(
                text=f"▶ {n}. {shorten(story.title or story.prompt, 24)}",
                callback_data=StoryCb(action="send", story=story.id),
            )
            kb.button(text=f"🎙 {n}", callback_data=StoryCb(action="revoice", story=story.id))
            widths.append(2)
        elif story.status in (StoryStatus.FAILED, StoryStatus.CANCELLED):
            kb.button(
                text=f"🔁 {n}. {shorten(story.title or story.prompt, 24)}",
                callback_data=StoryCb(action="retry", story=story.id),
            )
            widths.append(1)
    kb.adjust(*widths) if widths else None
    return kb.as_markup()


def settings_keyboard(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for key in ("language", "voice", "aspect", "length"):
        kb.button(text=t(lang, f"settings_{key}"), callback_data=SettingsCb(key="menu", value=key))
    kb.adjust(2)
    return kb.as_markup()


def settings_options(key: str, lang: str, voices: Sequence[Any] = ()) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if key == "language":
        for code in ("ru", "en"):
            kb.button(text=t(lang, f"lang_{code}"), callback_data=SettingsCb(key="language", value=code))
    elif key == "aspect":
        for aspect in ASPECTS:
            kb.button(text=aspect, callback_data=SettingsCb(key="aspect", value=aspect.replace(":", "x")))
    elif key == "length":
        for name in LENGTHS:
            kb.button(text=t(lang, f"length_{name}"), callback_data=SettingsCb(key="length", value=name))
    elif key == "voice":
        kb.button(text=t(lang, "voice_auto"), callback_data=SettingsCb(key="voice", value="-"))
        for i, v in enumerate(voices):
            kb.button(text=voice_label(v), callback_data=SettingsCb(key="voice", value=str(i)))
    kb.button(text=t(lang, "settings_back"), callback_data=SettingsCb(key="menu", value=""))
    kb.adjust(2)
    return kb.as_markup()
