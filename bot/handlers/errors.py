"""The last line: an unexpected exception becomes a short apology, never a traceback in the chat."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ErrorEvent

from bot.texts import t

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, lang: str = "en", **_: Any) -> bool:
    exc = event.exception
    if isinstance(exc, TelegramBadRequest) and "query is too old" in str(exc):
        return True  # a late callback answer: harmless
    log.exception("update %s failed", event.update.update_id, exc_info=exc)
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(lang, "error_generic"), show_alert=True)
        elif update.message is not None:
            await update.message.answer(t(lang, "error_generic"))
    except Exception:
        log.debug("could not apologise for update %s", update.update_id, exc_info=True)
    return True


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="errors")
    router.error.register(on_error)
    return router
