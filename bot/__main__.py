"""``python -m bot``: run DigiTeller with settings from ``.env`` (polling or webhook).

SIGTERM / SIGINT stop it cleanly in both modes within about 15 s: updates stop, running jobs of the
in-process queue are stopped and stay unfinished for the next start (a Redis queue's workers just
go on), worker processes are joined or killed, and the database is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from pydantic import ValidationError

from bot.app import create_bot, create_runtime
from bot.settings import Settings
from bot.webhook import start_webhook


async def main() -> None:
    try:
        settings = Settings()
    except ValidationError as err:
        sys.exit(f"Bad configuration (see .env.example):\n{err}")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = await create_runtime(settings)
    bot = create_bot(settings)
    dp = runtime.dispatcher
    try:
        if settings.mode == "webhook":
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            runner = await start_webhook(settings, bot, dp)
            try:
                await stop.wait()
            finally:
                await runner.cleanup()
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot, polling_timeout=settings.polling_timeout, allowed_updates=dp.resolve_used_update_types()
            )
    finally:
        with contextlib.suppress(Exception):
            await bot.session.close()
        await runtime.db_engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
