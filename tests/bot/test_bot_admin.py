"""/stats and /queue exist for admins only; the figures come from the database and the live queue."""

from __future__ import annotations

from tests.bot.conftest import ADMIN, ALICE, BORIS
from tests.bot.fakes import FakeEngine
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer


async def test_non_admin_gets_unknown_command(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/stats")
    harness.say(ALICE, "/queue")
    await stub.wait_for(lambda: len(stub.texts(ALICE)) == 2, 10)
    assert all("don't know that command" in t for t in stub.texts(ALICE))


async def test_stats_and_queue_for_admin(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    await harness.story(ALICE, "one good story")
    await harness.video(ALICE)
    await harness.wait_story(lambda s: s.telegram_file_id is not None)
    engine.fail_stage = "music"
    await harness.story(BORIS, "Сказка с ошибкой")
    await harness.reply(BORIS, "не удался этап")
    engine.fail_stage = None
    engine.gate_stage = "speech"
    await harness.story(ALICE, "a running story")
    await stub.wait_for(engine.entered.is_set, 10)
    await harness.story(BORIS, "Ждущая история")
    await harness.reply(BORIS, "место 1")

    harness.say(ADMIN, "/stats")
    stats = await harness.reply(ADMIN, "Statistics")
    assert "Users: 3" in stats  # Alice, Boris and the admin himself
    assert "total: 4" in stats
    assert "Success rate: 50% (1 of 2 finished jobs)" in stats
    assert "music: 1" in stats
    assert "text:" in stats and " / " in stats
    assert "Queue: 1 running, 1 waiting" in stats

    harness.say(ADMIN, "/queue")
    queue = await harness.reply(ADMIN, "Queue (")
    assert "running" in queue and "waiting" in queue and str(BORIS) in queue
    engine.gate.set()
