"""Telegram pushing back: flood control, blocked users, size limits, outages, deleted messages, restarts."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.bot.conftest import ALICE, BORIS
from tests.bot.fakes import FakeEngine, ffprobe
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer


def videos(stub: StubServer, chat: int, kind: str = "video") -> list[dict]:
    return [e for e in stub.transcript(chat) if e["kind"] == kind]


async def test_429_on_edits_coalesces_and_never_fails_the_job(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    engine.step_delay = 0.1
    stub.inject_fault("editMessageText", "retry_after", chat_id=ALICE, nth=2, times=2, retry_after=1)
    await harness.story(ALICE, "a patient snail")
    await harness.video(ALICE)
    edits = stub.calls("editMessageText")
    limited = [r for r in edits if r.status == 429]
    assert len(limited) == 2
    for r in limited:  # after a 429 the bot waited retry_after before the next edit
        later = [e for e in edits if e.t > r.t]
        assert not later or later[0].t - r.t >= 0.95
    await harness.reply(ALICE, "is ready")


async def test_429_on_upload_waits_and_retries(harness: Harness, stub: StubServer) -> None:
    stub.inject_fault("sendVideo", "retry_after", retry_after=1)
    await harness.story(ALICE, "a slow upload")
    await harness.video(ALICE)
    calls = stub.calls("sendVideo")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].t - calls[0].t >= 0.95
    assert len(stub.uploads) == 1


async def test_flood_limiter_is_never_hit_by_progress(
    make_harness: object, stub: StubServer, engine: FakeEngine
) -> None:
    stub.flood_limit = True
    engine.step_delay = 0.15  # about 3 s of progress events, dozens of them
    h: Harness = await make_harness(progress_interval=1.0)  # type: ignore[operator]
    await h.story(ALICE, "a chatty parrot")
    await h.video(ALICE)
    assert stub.rate_limited == []
    status = stub.bot_messages(ALICE)[0]
    gaps = [b[0] - a[0] for a, b in zip(status.edits, status.edits[1:], strict=False)]
    assert len(status.edits) >= 3 and min(gaps[:-1] or [1.0]) >= 0.95  # ≤ 1 edit/s (the final edit is free)


async def test_blocked_mid_job_keeps_result_and_stops_talking(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    engine.gate_stage = "images"
    await harness.story(ALICE, "a secret garden")
    await stub.wait_for(engine.entered.is_set, 10)
    stub.block(ALICE)
    engine.gate.set()
    story = await harness.wait_story(lambda s: s.status == "done", 20)
    await stub.wait_for(lambda: stub.calls("sendVideo"), 10)
    sends_after_block = [r for r in stub.requests if r.status == 403]
    assert story.telegram_file_id is None
    assert len([r for r in stub.calls("sendVideo")]) == 1  # no retry loop against a 403
    assert sends_after_block
    await _wait_blocked(harness, ALICE, True)
    # They come back: the story is in history and is uploaded from its folder.
    stub.block(ALICE, False)
    harness.say(ALICE, "/history")
    assert "ready" in await harness.reply(ALICE, "recent stories")
    stub.tap(ALICE, "▶ 1.")
    await harness.video(ALICE)
    assert (await _users(harness))[ALICE].blocked is False


async def _wait_blocked(h: Harness, user: int, blocked: bool) -> None:
    import asyncio

    for _ in range(100):
        if (await _users(h))[user].blocked is blocked:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"user {user} blocked is not {blocked}")


async def _users(h: Harness) -> dict[int, object]:
    from sqlalchemy import select

    from storage.models import User

    assert h.runtime is not None
    async with h.runtime.sessions() as s:
        return {u.id: u for u in await s.scalars(select(User))}


def _fake_video_size(tmp: Path, engine: FakeEngine) -> int:
    out = tmp / "probe.mp4"
    engine._make_video(out, __import__("engine.progress", fromlist=["CancelToken"]).CancelToken())
    return out.stat().st_size


async def test_413_reencodes_smaller(
    harness: Harness, stub: StubServer, engine: FakeEngine, tmp_path: Path
) -> None:
    engine.video_rate, engine.video_size, engine.video_seconds = "600k", "320x180", 2.0
    size = _fake_video_size(tmp_path, engine)
    stub.upload_limit = int(size * 0.75)
    await harness.story(ALICE, "a heavy elephant")
    event = await harness.video(ALICE)
    statuses = [c.status for c in stub.calls("sendVideo")]
    assert statuses == [413, 200]
    assert event["size"] <= stub.upload_limit < size
    probe = ffprobe(stub.uploads[-1].path)
    assert {s["codec_type"] for s in probe["streams"]} == {"video", "audio"}


async def test_over_the_configured_limit_is_shrunk_before_upload(
    make_harness: object, stub: StubServer, engine: FakeEngine, tmp_path: Path
) -> None:
    engine.video_rate, engine.video_size, engine.video_seconds = "600k", "320x180", 2.0
    size = _fake_video_size(tmp_path, engine)
    h: Harness = await make_harness(upload_limit_mb=size * 0.6 / 1024 / 1024)  # type: ignore[operator]
    await h.story(ALICE, "a big whale")
    event = await h.video(ALICE)
    assert [c.status for c in stub.calls("sendVideo")] == [200]  # no 413 needed: checked before upload
    assert event["size"] < size * 0.6


async def test_413_for_every_video_falls_back_to_a_document(harness: Harness, stub: StubServer) -> None:
    stub.inject_fault("sendVideo", "too_large", times=0)
    await harness.story(ALICE, "a stubborn mule")
    doc = await harness.event(ALICE, "document", 30)
    assert "as a file" in doc["text"]
    story = await harness.wait_story(lambda s: s.sent_as == "document")
    assert story.telegram_file_id == doc["file_id"]


async def test_network_failure_during_upload_is_retried(harness: Harness, stub: StubServer) -> None:
    stub.inject_fault("sendVideo", "disconnect")
    await harness.story(ALICE, "a broken bridge")
    await harness.video(ALICE)
    assert [c.status for c in stub.calls("sendVideo")] == [-1, 200]
    assert len(stub.uploads) == 1


async def test_server_errors_on_upload_are_retried(harness: Harness, stub: StubServer) -> None:
    stub.inject_fault("sendVideo", "server_error", times=2)
    await harness.story(ALICE, "a stormy night")
    await harness.video(ALICE)
    assert [c.status for c in stub.calls("sendVideo")] == [500, 500, 200]


async def test_deleted_status_message_is_sent_anew(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    engine.gate_stage = "music"
    mid = await harness.story(ALICE, "a vanishing act")
    await stub.wait_for(engine.entered.is_set, 10)
    await stub.wait_for(lambda: stub.messages[ALICE][mid].edits, 10)
    stub.delete_by_user(ALICE, mid)
    engine.gate.set()
    await harness.video(ALICE)
    status = [m for m in stub.bot_messages(ALICE) if m.text and "is ready" in m.text]
    assert status and status[0].message_id != mid
    assert any(
        "message to edit not found" in (r.response or {}).get("description", "")
        for r in stub.calls("editMessageText")
    )


async def test_restart_mid_job_resumes_with_the_same_folder(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    engine.gate_stage = "images"
    await harness.story(BORIS, "Ёжик в тумане")
    await stub.wait_for(engine.entered.is_set, 10)
    await harness.stop()  # the process goes away in the middle of "images"
    story = (await _stories_after_stop(harness))[0]
    assert story.status == "running"
    fresh = FakeEngine()
    await harness.restart(fresh)
    await harness.reply(BORIS, "Бот перезапустился; продолжаю")
    await harness.video(BORIS)
    assert fresh.calls[0].skipped == ["text", "speech", "music"]
    assert fresh.calls[0].folder == engine.calls[0].folder
    done = await harness.wait_story(lambda s: s.status == "done" and s.telegram_file_id)
    assert done.id == story.id


async def test_restart_loop_gives_up_and_offers_retry(
    make_harness: object, stub: StubServer, engine: FakeEngine
) -> None:
    h: Harness = await make_harness(max_resumes=0)  # type: ignore[operator]
    engine.gate_stage = "speech"
    await h.story(ALICE, "an unlucky job")
    await stub.wait_for(engine.entered.is_set, 10)
    await h.stop()
    await h.restart(FakeEngine())
    await h.reply(ALICE, "could not continue")
    stub.tap(ALICE, "Retry")
    await h.video(ALICE)


async def _stories_after_stop(h: Harness) -> list[object]:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.db import session_factory
    from storage.models import Story

    db = create_async_engine(h.settings.database_url)
    try:
        async with session_factory(db)() as s:
            return list(await s.scalars(select(Story)))
    finally:
        await db.dispose()


def test_fake_video_is_deterministic(tmp_path: Path) -> None:
    engine = FakeEngine(video_rate="600k", video_size="320x180", video_seconds=2.0)
    a = _fake_video_size(tmp_path, engine)
    b = _fake_video_size(tmp_path, engine)
    assert abs(a - b) < 0.05 * a
    subprocess.run(["ffprobe", "-v", "error", str(tmp_path / "probe.mp4")], check=True)
