"""Queue benchmark: N fast jobs through the real bot on Redis with 1, 2 and 4 engine workers.

What runs: redis-server (append-only, on a free loopback port), ``python -m engine worker``
processes with the test suite's fast fake engine (six stages of a few steps, a tiny real mp4 from
ffmpeg), and the real bot polling the project's Bot API stub, with QUEUE_URL set. N users each
ask for one story at once (per-user limits never hold anything back), and everything is delivered.

Figures per worker count:
* ``jobs_per_minute``: N / (first narrator tap → last video received by the stub);
* ``enqueue_to_start_ms``: the job handed to Redis → the worker's "start" event read by the bot
  (p50 / p99) — the queue's own overhead plus the wait for a free worker, so with fewer workers
  than jobs it grows with the line; ``first_start_ms`` is the first job's, on idle workers;
* ``event_to_edit_ms``: a progress event written by the worker (its Redis stream id carries
  Redis's clock, the same machine's) → the status edit showing it reaching the stub (p50 / p99);
  this includes the bot's deliberate throttle of one edit per ``--progress-interval`` per chat;

Run: ``python bench/bench_queue.py [--jobs 16] [--workers 1,2,4] [--progress-interval 1.0]``
The machine's load matters: the figures are only comparable from the same quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_bot_load import percentile
from engine.distqueue import keys
from tests.bot.fakes import FakeEngine
from tests.bot.harness import Harness
from tests.distqueue.conftest import RedisServer, Workers
from tests.telegram_stub import StubServer

FIRST_USER = 20_000


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0}
    return {"p50": round(statistics.median(values), 1), "p99": round(percentile(values, 99), 1)}


async def run(n_workers: int, args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-queue-{n_workers}-"))
    redis = RedisServer(tmp / "redis")
    redis.start()
    pool = Workers(redis, tmp / "data", tmp)
    pool.env["DT_FAKE_STEP_DELAY"] = str(args.step_delay)
    stub = StubServer(workdir=tmp / "stub")
    (tmp / "stub").mkdir()
    await stub.start()
    users = [FIRST_USER + i for i in range(args.jobs)]
    for u in users:
        stub.user(u, f"User{u}", "en")
    h = Harness(
        stub,
        FakeEngine(),
        tmp,
        queue_url=redis.url,
        max_waiting=args.jobs + 5,
        progress_interval=args.progress_interval,
        job_time_limit=600,
    )
    try:
        pool.start(n_workers)
        await h.start()
        await asyncio.sleep(1.0)  # workers connected and idle
        starts: dict[int, float] = {}
        assert h.runtime is not None
        queue = h.runtime.runner.queue
        original = queue._apply

        def spy(handle: Any, event: str, data: dict[str, Any]) -> None:
            if event == "start":
                starts[handle.job_id] = time.monotonic() - handle.submitted_at
            original(handle, event, data)

        queue._apply = spy
        story_msgs = {u: stub.send_text(u, f"/story tale {u}").message_id for u in users}

        def voice_msg(u: int) -> Any:
            return next(
                (m for m in stub.bot_messages(u) if m.message_id > story_msgs[u] and m.buttons()), None
            )

        await stub.wait_for(lambda: all(voice_msg(u) for u in users), 60, "voice keyboards")
        t0 = time.monotonic()
        for u in users:
            msg = voice_msg(u)
            stub.tap(u, msg.buttons()[0]["text"], message_id=msg.message_id)

        def delivered() -> bool:
            return all(any(e["kind"] == "video" for e in stub.transcript(u)) for u in users)

        await stub.wait_for(delivered, 600, "every video")
        elapsed = time.monotonic() - t0
        edit_lat = await edit_latencies(h, stub, redis, users)
        return {
            "workers": n_workers,
            "jobs": args.jobs,
            "seconds": round(elapsed, 2),
            "jobs_per_minute": round(args.jobs / elapsed * 60, 1),
            "enqueue_to_start_ms": stats([v * 1000 for v in starts.values()]),
            "first_start_ms": round(min(starts.values()) * 1000, 1) if starts else None,
            "event_to_edit_ms": stats(edit_lat),
            "videos_sent": len(stub.uploads),
        }
    finally:
        await h.stop()
        await stub.stop()
        pool.stop_all()
        redis.stop()


async def edit_latencies(h: Harness, stub: StubServer, redis: RedisServer, users: list[int]) -> list[float]:
    """Each progress edit matched to the event it shows (same step note and percent)."""
    from redis.asyncio import Redis
    from sqlalchemy import select

    from storage.models import Job, Story

    offset = time.time() - time.monotonic()  # the stub stamps edits with the monotonic clock
    assert h.runtime is not None
    async with h.runtime.sessions() as s:
        rows = list(await s.execute(select(Job.id, Story.chat_id).join(Story, Story.id == Job.story_id)))
    conn = Redis.from_url(redis.url)
    out: list[float] = []
    try:
        for job_id, chat_id in rows:
            events = []
            for entry_id, fields in await conn.xrange(keys.events(job_id)):
                if fields[b"e"] == b"progress":
                    d = json.loads(fields[b"d"])
                    events.append(
                        (int(entry_id.split(b"-")[0]) / 1000, d["message"], int(d["overall"] * 100))
                    )
            for msg in stub.bot_messages(chat_id):
                for t_edit, text in msg.edits:
                    m = re.search(r"(\d+)%", text or "")
                    for t_event, note, pct in events:
                        if m and int(m.group(1)) == pct and note in (text or ""):
                            out.append((t_edit + offset - t_event) * 1000)
                            break
    finally:
        await conn.aclose()
    return [v for v in out if v >= 0]


async def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [await run(n, args) for n in args.workers]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4])
    parser.add_argument("--step-delay", type=float, default=0.05, help="fake engine seconds per step")
    parser.add_argument("--progress-interval", type=float, default=1.0)
    results = asyncio.run(main(parser.parse_args()))
    print(json.dumps(results, indent=2))
    sys.exit(0 if all(r["videos_sent"] == r["jobs"] for r in results) else 1)
