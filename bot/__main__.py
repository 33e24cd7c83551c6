"""``python -m bot``: run DigiTeller with settings from ``.env`` (polling or webhook)."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.app import create_bot, create_runtime
from bot.settings import Settings


async def main() -> None:
    try:
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as err:
        sys.exit(f"Bad configuration (see .env.example):\n{err}")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = await create_runtime(settings)
    bot = create_bot(settings)
    dp = runtime.dispatcher
    try:
        if settings.mode == "webhook":
            await run_webhook(settings, bot, dp)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot, polling_timeout=settings.polling_timeout, allowed_updates=dp.resolve_used_update_types()
            )
    finally:
        await bot.session.close()
        await runtime.db_engine.dispose()


async def run_webhook(settings: Settings, bot, dp) -> None:  # type: ignore[no-untyped-def]
    """Serve Telegram's webhook with aiohttp; Telegram must reach WEBHOOK_URL over https."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    if not settings.webhook_url:
        sys.exit("MODE=webhook needs WEBHOOK_URL")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dp, bot=bot)
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + settings.webhook_path,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    logging.getLogger(__name__).info(
        "webhook listening on %s:%s", settings.webhook_host, settings.webhook_port
    )
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
