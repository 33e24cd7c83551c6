"""The bot stops cleanly: within 15 s of SIGTERM, in polling and webhook mode, leaving no process.

Today's failure this guards against: the engine's worker process (and the multiprocessing
manager) outliving the bot for a moment after it exited.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.conftest import ALICE
from tests.bot.fakes import CpuBurnEngine
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer

REPO = Path(__file__).resolve().parents[2]


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc: children of children too)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            kids = (task / "children").read_text().split() if (task / "children").exists() else []
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


@pytest.mark.parametrize(
    ("mode", "queue"), [("polling", "local"), ("webhook", "local"), ("polling", "redis")]
)
async def test_sigterm_exits_within_15_s_and_leaves_no_process(
    stub: StubServer, tmp_path: Path, mode: str, queue: str
) -> None:
    from tests.bot.test_bot_webhook import free_port

    redis = None
    if queue == "redis":
        from tests.distqueue.conftest import RedisServer

        if shutil.which("redis-server") is None:
            pytest.skip("needs redis-server")
        redis = RedisServer(tmp_path / "redis")
        redis.start()
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": stub.token,
        "TELEGRAM_API_URL": stub.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "DATA_DIR": str(tmp_path / "data"),
        "POLLING_TIMEOUT": "1",
        "EXECUTOR": "process",
        "MODE": mode,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": "secret",
        "QUEUE_URL": redis.url if redis else "",
    }
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)})
    try:
        ready = (lambda: stub.calls("getUpdates")) if mode == "polling" else (lambda: stub.webhook)
        await stub.wait_for(ready, 60, "bot up")
        stub.send_text(ALICE, "/help")
        await stub.wait_for(lambda: stub.texts(ALICE), 20, "help answered")
        children = descendants(proc.pid)
        if queue == "local":
            assert children, "the process executor starts its helper process at start"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = await asyncio.to_thread(proc.wait, 20)
        took = time.monotonic() - t0
        assert rc == 0 and took < 15, (rc, took)
        await asyncio.sleep(0.2)
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if redis is not None:
            redis.stop()


async def test_stop_with_a_job_running_in_the_worker_process(make_harness: object, stub: StubServer) -> None:
    h: Harness = await make_harness(executor="process")  # type: ignore[operator]
    h.engine = h.runtime.runner.queue.engine = CpuBurnEngine("sleep", 2.0)  # type: ignore[union-attr]
    await h.story(ALICE, "a long story interrupted by a deploy")
    await h.reply(ALICE, "Writing", timeout=30)
    pool = h.runtime.runner.queue.jobs._executor  # type: ignore[union-attr]
    workers = [p.pid for p in pool._processes.values()]
    assert workers
    t0 = time.monotonic()
    await h.stop()
    assert time.monotonic() - t0 < 15
    await asyncio.sleep(0.2)
    assert [pid for pid in workers if alive(pid)] == []
    story = (await _stories(h))[0]
    assert story.status == "running"  # left unfinished on purpose: the next start resumes it


async def _stories(h: Harness) -> list[object]:
    from tests.bot.test_bot_faults import _stories_after_stop

    return await _stories_after_stop(h)
