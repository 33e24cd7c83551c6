"""Webhook mode: Telegram (or the test stub) POSTs updates to us instead of us polling.

aiogram's SimpleRequestHandler checks ``X-Telegram-Bot-Api-Secret-Token`` against the secret we
gave setWebhook: a request without the right header is answered 401 and never reaches a handler.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.settings import Settings

log = logging.getLogger(__name__)


async def start_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> web.AppRunner:
    """Serve the webhook and register it with Telegram; returns the runner (``cleanup()`` stops all,
    including the dispatcher's shutdown hooks)."""
    if not settings.webhook_url:
        raise ValueError("MODE=webhook needs WEBHOOK_URL")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()  # runs the dispatcher's startup (resumes jobs) before Telegram can post
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + settings.webhook_path,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner
