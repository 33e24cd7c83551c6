"""Runs the real bot (dispatcher in polling mode) against the Bot API stub, restartable mid-job.

Used by the end-to-end tests and by bench/bench_bot_load.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from aiogram import Bot

from bot.app import Runtime, create_bot, create_runtime
from bot.settings import Settings
from tests.telegram_stub import StubServer


class Harness:
    def __init__(self, stub: StubServer, engine: Any, tmp: Path, **overrides: Any) -> None:
        self.stub = stub
        self.engine = engine
        self.tmp = tmp
        values: dict[str, Any] = {
            "bot_token": stub.token,
            "telegram_api_url": stub.url,
            "database_url": f"sqlite+aiosqlite:///{tmp / 'bot.db'}",
            "data_dir": tmp / "data",
            "admin_ids": "1000",
            "progress_interval": 0.3,
            "retry_base_delay": 0.05,
            "polling_timeout": 1,
            "executor": "thread",  # the fake engine's gates are threading.Events
        }
        values.update(overrides)
        self.settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        self.runtime: Runtime | None = None
        self.bot: Bot | None = None
        self._polling: asyncio.Task[None] | None = None
        self._webhook: Any = None  # aiohttp AppRunner in webhook mode

    async def start(self) -> Harness:
        self.runtime = await create_runtime(self.settings, self.engine)
        self.bot = create_bot(self.settings)
        dp = self.runtime.dispatcher
        if self.settings.mode == "webhook":
            from bot.webhook import start_webhook

            self._webhook = await start_webhook(self.settings, self.bot, dp)
            return self
        self._polling = asyncio.create_task(
            dp.start_polling(
                self.bot,
                handle_signals=False,
                polling_timeout=self.settings.polling_timeout,
                allowed_updates=dp.resolve_used_update_types(),
            )
        )
        # Polling is up once the first getUpdates arrived (startup, resume and getMe are done by then).
        start = len(self.stub.calls("getUpdates"))
        await self.stub.wait_for(lambda: len(self.stub.calls("getUpdates")) > start, 10, "first getUpdates")
        return self

    async def stop(self) -> None:
        if self._webhook is not None:
            await self._webhook.cleanup()  # runs the dispatcher's shutdown (the runner stops)
            self._webhook = None
            assert self.runtime is not None
            await self.runtime.db_engine.dispose()
        if self.runtime is not None and self._polling is not None:
            with contextlib.suppress(RuntimeError):
                await self.runtime.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._polling, 30)
            await self.runtime.db_engine.dispose()
        if self.bot is not None:
            await self.bot.session.close()
        self.runtime, self.bot, self._polling = None, None, None

    async def restart(self, engine: Any | None = None) -> None:
        await self.stop()
        if engine is not None:
            self.engine = engine
        await self.start()

    # ------------------------------------------------------------------ conveniences
    async def stories(self) -> list[Any]:
        from sqlalchemy import select

        from storage.models import Story

        assert self.runtime is not None
        async with self.runtime.sessions() as s:
            return list(await s.scalars(select(Story).order_by(Story.id)))

    async def wait_story(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until some story row satisfies ``predicate`` (the bot writes after Telegram answers)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for story in await self.stories():
                if predicate(story):
                    return story
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("no story row matched")
            await asyncio.sleep(0.05)

    def say(self, user: int, text: str) -> int:
        return self.stub.send_text(user, text).message_id

    async def reply(self, user: int, contains: str, timeout: float = 10.0, after: int = 0) -> str:
        """Wait for a bot message (text or caption, as currently shown) containing ``contains``."""

        def find() -> str | None:
            for msg in self.stub.bot_messages(user):
                shown = msg.text or msg.caption or ""
                if msg.message_id > after and contains in shown:
                    return shown
            return None

        return await self.stub.wait_for(find, timeout, f"reply containing {contains!r} for {user}")

    async def event(self, user: int, kind: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for e in self.stub.transcript(user):
                if e["kind"] == kind and all(e.get(k) == v for k, v in match.items()):
                    return e
            return None

        return await self.stub.wait_for(find, timeout, f"{kind} event {match} for {user}")

    async def video(self, user: int, timeout: float = 30.0) -> dict[str, Any]:
        return await self.event(user, "video", timeout)

    async def story(self, user: int, prompt: str, voice_label: str | None = None) -> int:
        """/story prompt → tap a narrator on the new voice message; returns that message's id."""
        before = max((m.message_id for m in self.stub.bot_messages(user)), default=0)
        self.say(user, f"/story {prompt}")

        def voice_message() -> Any:
            return next((m for m in self.stub.bot_messages(user) if m.message_id > before), None)

        msg = await self.stub.wait_for(voice_message, 10, "answer to /story")
        if not msg.buttons():
            return msg.message_id  # refused (busy, bad prompt): the caller checks the text
        label = voice_label or msg.buttons()[0]["text"]
        self.stub.tap(user, label, message_id=msg.message_id)
        return msg.message_id
