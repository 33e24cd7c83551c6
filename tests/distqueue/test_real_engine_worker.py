"""One story with the real embedded engine in a ``python -m engine worker`` process, through the
real bot on Redis and the Bot API stub (slow: minutes on CPU)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.conftest import BORIS
from tests.bot.fakes import ffprobe
from tests.distqueue.conftest import Workers
from tests.telegram_stub import StubServer


@pytest.mark.slow
async def test_real_engine_in_a_worker(make_bot: Any, stub: StubServer, workers: Workers) -> None:
    from bot.engine_facade import RealEngine

    workers.start(1, engine_spec="engine.jobs:PipelineEngine")
    # The bot checks prompts and offers voices with the real engine too; the story runs in the worker.
    h = await make_bot(bot_engine=RealEngine(), job_time_limit=3600, progress_interval=1.0)
    h.say(BORIS, "/settings")
    await h.reply(BORIS, "Настройки")
    stub.tap(BORIS, "Длина")
    await stub.wait_for(lambda: any("короткая" in b for b in stub.button_labels(BORIS)), 10)
    stub.tap(BORIS, "короткая")
    await h.reply(BORIS, "Длина: короткая")
    await h.story(BORIS, "Ёжик пошёл в лес за грибами и встретил медведя")

    def outcome() -> object:
        for e in stub.transcript(BORIS):
            if e["kind"] == "video" or "❌" in (e.get("text") or ""):
                return e
        return None

    video = await stub.wait_for(outcome, 3000, "the video or an error message")
    assert video["kind"] == "video", f"the bot reported a failure: {video.get('text')}"
    probe = ffprobe(stub.uploads[-1].path)
    assert {s["codec_type"] for s in probe["streams"]} == {"video", "audio"}
    assert float(probe["format"]["duration"]) > 10
