"""The bot on the Redis queue, with two or three ``python -m engine worker`` processes (fake engine).

Each test uses a real redis-server (append-only) started on a free port, the real bot polling the
Bot API stub, and real worker processes; faults are real signals. The fake engine's gate is a file:
a job waits in the gate stage until the test opens it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

from tests.bot.conftest import ADMIN, ALICE, BORIS
from tests.bot.fakes import ffprobe
from tests.distqueue.conftest import RedisServer, Workers
from tests.telegram_stub import StubServer

CAROL = 2003


def videos(stub: StubServer, chat: int) -> list[dict[str, Any]]:
    return [e for e in stub.transcript(chat) if e["kind"] == "video"]


async def wait_until(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def gated(workers: Workers, n: int) -> list[dict[str, Any]]:
    """Wait until ``n`` jobs sit at the gate; their log rows (pid, folder)."""
    return await wait_until(lambda: len(workers.entries("gate")) >= n and workers.entries("gate"), 20, "gate")


async def test_whole_flow_three_users_two_workers(make_bot: Any, stub: StubServer, workers: Workers) -> None:
    stub.user(CAROL, "Carol", "en")
    workers.start(2)
    h = await make_bot()
    for user, prompt in ((ALICE, "a fox and a kite"), (BORIS, "Ёжик и звёзды"), (CAROL, "a snail racing")):
        await h.story(user, prompt)
    for user in (ALICE, BORIS, CAROL):
        await h.video(user, timeout=40)
    await h.wait_story(lambda s: False if s.telegram_file_id is None else s, 10)
    for user in (ALICE, BORIS, CAROL):
        assert len(videos(stub, user)) == 1
    probe = ffprobe(stub.uploads[0].path)
    assert {s["codec_type"] for s in probe["streams"]} == {"video", "audio"}
    pids = {e["pid"] for e in workers.entries("finished")}
    assert len(workers.entries("finished")) == 3 and pids <= {p.pid for p in workers.procs}
    # /queue for admins lists the workers with their heartbeats.
    h.say(ADMIN, "/queue")
    text = await h.reply(ADMIN, "Workers (2)")
    assert "w0" in text and "w1" in text and "heartbeat" in text


async def test_positions_and_per_user_limits(make_bot: Any, stub: StubServer, workers: Workers) -> None:
    stub.user(CAROL, "Carol", "en")
    workers.start(2, DT_FAKE_GATE_STAGE="speech")
    h = await make_bot(per_user_waiting=1)
    await h.story(ALICE, "first of alice")
    await gated(workers, 1)
    await h.story(ALICE, "second of alice")  # Alice has one running: hers waits even with a worker free
    await h.reply(ALICE, "position 1")
    await h.story(BORIS, "Борис ждёт")  # takes the free worker
    await gated(workers, 2)
    await h.story(CAROL, "carol waits")
    await h.reply(CAROL, "position 2")
    mid = await h.story(ALICE, "third of alice")
    await h.reply(ALICE, "already have stories in progress", after=mid - 1)
    workers.open_gate()
    for user in (ALICE, BORIS, CAROL):
        await h.video(user, timeout=40)
    await wait_until(lambda: len(videos(stub, ALICE)) == 2, 40, "Alice's second video")
    assert len(videos(stub, BORIS)) == 1 and len(videos(stub, CAROL)) == 1


async def test_cancel_reaches_a_worker_process_within_two_seconds(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(2, DT_FAKE_GATE_STAGE="images")
    h = await make_bot()
    await h.story(ALICE, "a story to cancel")
    await gated(workers, 1)
    t0 = time.monotonic()
    stub.tap(ALICE, "✖ Cancel")
    await h.reply(ALICE, "was cancelled")
    story = await h.wait_story(lambda s: s.status == "cancelled", 5)
    elapsed = time.monotonic() - t0
    assert elapsed < 2.0, elapsed
    await asyncio.sleep(0.5)
    assert workers.entries("finished") == []  # the work really stopped in the worker
    assert story.telegram_file_id is None and not videos(stub, ALICE)
    workers.open_gate()
    await h.story(BORIS, "Следующая сказка")  # the worker is free again
    await h.video(BORIS, timeout=30)


async def test_sigkill_of_a_worker_mid_job_another_takes_over(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(2, DT_FAKE_GATE_STAGE="images")
    h = await make_bot()
    await h.story(ALICE, "a story that survives a crash")
    first = (await gated(workers, 1))[0]
    os.kill(first["pid"], signal.SIGKILL)
    workers.by_pid(first["pid"]).wait(5)
    workers.open_gate()
    await h.video(ALICE, timeout=30)
    await asyncio.sleep(1.0)
    runs = workers.entries("run")
    assert len(runs) == 2 and runs[1]["pid"] != first["pid"]
    assert runs[1]["skipped"] == ["text", "speech", "music"]  # resumed from the story folder
    assert runs[0]["folder"] == runs[1]["folder"]
    assert len(videos(stub, ALICE)) == 1 and len(stub.uploads) == 1
    assert len(await h.stories()) == 1


async def test_bot_restart_mid_job_follows_and_delivers_once(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(1, DT_FAKE_GATE_STAGE="music")
    h = await make_bot()
    await h.story(ALICE, "the bot goes away")
    await gated(workers, 1)
    await h.stop()
    workers.open_gate()  # the job finishes while no bot is listening
    await wait_until(lambda: workers.entries("finished"), 20, "job finished on the worker")
    await h.start()
    await h.video(ALICE, timeout=30)
    await asyncio.sleep(1.0)
    assert len(videos(stub, ALICE)) == 1
    assert len(workers.entries("run")) == 1  # followed, not redone
    story = await h.wait_story(lambda s: s.telegram_file_id is not None)
    assert story.status == "done"


async def test_redis_restart_loses_no_job(
    make_bot: Any, stub: StubServer, workers: Workers, redis_server: RedisServer
) -> None:
    workers.start(1, DT_FAKE_GATE_STAGE="speech")
    h = await make_bot()
    await h.story(ALICE, "running through a redis restart")
    await gated(workers, 1)
    await h.story(BORIS, "Ждёт в очереди во время перезапуска")  # waits in the Redis stream
    await h.reply(BORIS, "место 1")
    redis_server.restart()
    workers.open_gate()
    await h.video(ALICE, timeout=40)
    await h.video(BORIS, timeout=40)
    assert len(videos(stub, ALICE)) == 1 and len(videos(stub, BORIS)) == 1


async def test_sigterm_hands_the_job_back_and_the_worker_exits(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(2, DT_FAKE_GATE_STAGE="upscale")
    h = await make_bot()
    await h.story(ALICE, "a worker is redeployed")
    first = (await gated(workers, 1))[0]
    proc = workers.by_pid(first["pid"])
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    exit_seconds = time.monotonic() - t0
    await gated(workers, 2)  # the other worker took it over at once (handed back, not reclaimed)
    workers.open_gate()
    await h.video(ALICE, timeout=30)
    runs = workers.entries("run")
    assert len(runs) == 2 and runs[1]["skipped"] == ["text", "speech", "music", "images"]
    assert exit_seconds < 5, exit_seconds
    assert len(videos(stub, ALICE)) == 1


async def test_bot_restart_while_the_job_runs_shows_progress_again(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(1, DT_FAKE_GATE_STAGE="music")
    h = await make_bot()
    mid = await h.story(ALICE, "the bot restarts during music")
    await gated(workers, 1)
    await h.stop()
    await h.start()  # the job is still waiting at the gate on the worker
    await h.reply(ALICE, "The bot restarted; continuing")
    status = stub.messages[ALICE][mid]
    edits_before = len(status.edits)
    await wait_until(lambda: len(status.edits) > edits_before, 10, "progress edits after the restart")
    assert "waiting at the gate" in (status.text or "")  # the worker's progress reached the new bot
    workers.open_gate()
    await h.video(ALICE, timeout=30)
    await asyncio.sleep(1.0)
    assert len(videos(stub, ALICE)) == 1 and len(workers.entries("run")) == 1


async def test_time_limit_is_enforced_by_the_worker(
    make_bot: Any, stub: StubServer, workers: Workers
) -> None:
    workers.start(1, DT_FAKE_GATE_STAGE="images")
    h = await make_bot(job_time_limit=1.5)
    await h.story(ALICE, "a story that takes too long")
    await h.reply(ALICE, "took too long", timeout=15)
    story = await h.wait_story(lambda s: s.status == "failed", 5)
    assert story.failed_stage == "images"
    await h.story(BORIS, "Следующая сказка")  # the worker is free again (the gate is still closed)
    await gated(workers, 2)


async def test_an_unreadable_message_is_dropped_and_the_worker_goes_on(
    make_bot: Any, stub: StubServer, workers: Workers, redis_server: RedisServer
) -> None:
    from redis.asyncio import Redis

    from engine.distqueue import keys

    workers.start(1)
    conn = Redis.from_url(redis_server.url)
    try:
        await conn.xadd(keys.STREAM, {"data": b"not a taskiq message"})
    finally:
        await conn.aclose()
    h = await make_bot()
    await h.story(ALICE, "after a poison message")
    await h.video(ALICE, timeout=30)
    assert workers.procs[0].poll() is None  # still running
