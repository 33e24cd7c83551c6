"""One Router per feature; order matters: admin commands before the unknown-command fallback."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import admin, errors, fallback, history, settings, start, story, voice


def routers() -> list[Router]:
    modules = (errors, start, admin, story, voice, history, settings, fallback)
    return [m.create_router() for m in modules]
