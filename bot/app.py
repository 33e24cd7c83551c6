"""Factories: the Bot, the Dispatcher with routers, middlewares and dependencies, and the runtime.

Dependencies travel as dispatcher data (settings, engine, runner, session factory), so handlers
declare typed parameters instead of importing globals, and tests inject a fake engine and a local
Bot API stub without touching production code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.engine_facade import Engine, RealEngine
from bot.handlers import routers
from bot.middlewares import DbSessionMiddleware, UserMiddleware
from bot.runner import StoryRunner
from bot.settings import Settings
from bot.telegram_io import install_retry
from bot.user_cache import UserCache, UserRegistrar
from storage import db

log = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    session = None
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    install_retry(bot, settings.send_retries, settings.retry_base_delay)  # one policy for every call
    return bot


@dataclass
class Runtime:
    """Everything a running bot owns, so it can be started and stopped as a unit (and restarted in tests)."""

    settings: Settings
    engine: Engine
    db_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    runner: StoryRunner
    dispatcher: Dispatcher


def create_dispatcher(
    settings: Settings, engine: Engine, sessions: async_sessionmaker[AsyncSession], runner: StoryRunner
) -> Dispatcher:
    dp = Dispatcher(settings=settings, engine=engine, runner=runner, sessions=sessions)
    dp["user_cache"] = cache = UserCache()
    cache.watch(sessions.kw["sync_session_class"])
    dp.update.outer_middleware(DbSessionMiddleware(sessions))
    dp["user_registrar"] = registrar = UserRegistrar(sessions)
    dp.update.outer_middleware(UserMiddleware(cache, registrar))
    dp.include_routers(*routers())

    async def on_startup(bot: Bot) -> None:
        await registrar.warm()  # the first burst must not pay for the connection and query compiles
        await runner.start(bot)
        try:
            await bot.set_my_commands(
                [
                    BotCommand(command="story", description="Make a video story / Видеосказка"),
                    BotCommand(command="history", description="Recent stories / Недавние истории"),
                    BotCommand(command="settings", description="Settings / Настройки"),
                    BotCommand(command="help", description="Help / Помощь"),
                ]
            )
        except Exception:
            log.warning("setMyCommands failed; the commands still work", exc_info=True)

    async def on_shutdown() -> None:
        await runner.stop()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def create_runtime(settings: Settings, engine: Engine | None = None) -> Runtime:
    """Migrate the database, then build the runner and dispatcher around it."""
    await db.migrate(settings.database_url)
    db_engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(db_engine)
    engine = engine or RealEngine()
    runner = StoryRunner(settings, engine, sessions)
    dp = create_dispatcher(settings, engine, sessions, runner)
    return Runtime(settings, engine, db_engine, sessions, runner, dp)
