"""Load benchmark: 50 users hit the bot at once while a story renders.

What runs: the real bot (dispatcher, middlewares, SQLite store, engine queue) in polling mode
against the project's Bot API stub on 127.0.0.1, in one process. The engine is the test suite's
fake engine; its renderer burns real CPU in the queue's worker thread:

* ``--burn thread`` (default): pure-Python arithmetic — with ``--executor thread`` it holds the GIL
  in turns with the event loop (the worst case); with ``--executor process`` (the bot's default)
  it runs in the engine's worker process;
* ``--burn ffmpeg``: an x264 encode in a subprocess per step, like the real video stage;
* ``--burn none``: no rendering load, for comparison.

Latencies are reported for the first wave (the burst: /help arriving together with 50 /story
commands and 50 narrator taps) and for the later /help-only waves. ``process_cpu_share`` is the
CPU the whole process (bot + stub + render thread) got per second of wall time: on a shared
machine it shows how much of the latency is waiting for a core.

Steps: one user starts a story and it begins rendering; then every simulated user sends
``/story <prompt>`` and ``/help`` at the same moment and taps a narrator; then ``--rounds`` more
waves of ``/help`` from all users, while the render is still going. Checks: every user got a help
reply, a narrator keyboard and a queue position; the positions are exactly 1..N (the rendering job
is position 0). /help latency = time from the update entering the stub to the bot's reply arriving
at the stub (the stub shares the bot's event loop, which makes the figure pessimistic).

``--queue redis`` runs the same waves with the bot on the distributed queue: a redis-server on a free
port and ``--queue-workers`` ``python -m engine worker`` processes with the fast fake engine
(slowed to ``--redis-step-delay`` s per step, so the renderer's story is still running during the
waves); the render then happens outside the bot's process altogether. Each wave's p50/p99 is
reported in ``waves`` (the first one is the burst).

Run: ``python bench/bench_bot_load.py [--users 50] [--rounds 5] [--burn thread|ffmpeg|none] [--queue local|redis]``
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

from tests.bot.fakes import CpuBurnEngine
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer

RENDERER = 1
FIRST_USER = 10_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def start_redis_queue(args: argparse.Namespace, tmp: Path) -> tuple[Any, Any, dict]:
    """redis-server and ``--queue-workers`` engine workers (fake engine); Harness overrides."""
    from tests.distqueue.conftest import RedisServer, Workers

    redis = RedisServer(tmp / "redis")
    redis.start()
    pool = Workers(redis, tmp / "data", tmp)
    pool.env["DT_FAKE_STEP_DELAY"] = str(args.redis_step_delay)
    pool.start(args.queue_workers)
    return redis, pool, {"queue_url": redis.url}


async def main(args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    stub = StubServer(workdir=tmp / "stub")
    (tmp / "stub").mkdir()
    await stub.start()
    kind = {"thread": "python", "ffmpeg": "ffmpeg", "none": "sleep"}[args.burn]
    engine = CpuBurnEngine(kind, args.render_seconds / 60, steps=10, step_delay=0.0)
    users = [FIRST_USER + i for i in range(args.users)]
    stub.user(RENDERER, "Renderer", "en")
    for u in users:
        stub.user(u, f"User{u}", "en")
    redis, pool, extra = start_redis_queue(args, tmp) if args.queue == "redis" else (None, None, {})
    h = Harness(
        stub,
        engine,
        tmp,
        max_waiting=args.users + 10,
        per_user_waiting=2,
        progress_interval=1.0,
        job_time_limit=3600,
        executor=args.executor,
        **extra,
    )
    await h.start()
    try:
        await h.story(RENDERER, "the renderer's long story")
        await stub.wait_for(lambda: any("%" in t for t in stub.texts(RENDERER)), 30, "render started")
        render_started = time.monotonic()

        # Wave 0: everyone sends /story and /help at once, then taps a narrator.
        wall0, cpu0 = time.monotonic(), time.process_time()
        story_msgs = {u: stub.send_text(u, f"/story a tale number {u}").message_id for u in users}
        help_msgs: list[tuple[int, int, float]] = []
        for u in users:
            m = stub.send_text(u, "/help")
            help_msgs.append((u, m.message_id, time.monotonic()))

        def voice_msg(u: int):
            return next(
                (m for m in stub.bot_messages(u) if m.message_id > story_msgs[u] and m.buttons()), None
            )

        await stub.wait_for(lambda: all(voice_msg(u) for u in users), 60, "voice keyboards")
        for u in users:
            msg = voice_msg(u)
            stub.tap(u, msg.buttons()[0]["text"], message_id=msg.message_id)

        def position(u: int) -> int | None:
            msg = voice_msg(u)
            m = re.search(r"position (\d+)", (msg.text or "") if msg else "")
            return int(m.group(1)) if m else None

        await stub.wait_for(lambda: all(position(u) for u in users), 60, "queue positions")
        positions = sorted(position(u) for u in users)  # type: ignore[type-var]

        # More waves of /help while the render goes on.
        for _ in range(args.rounds):
            await asyncio.sleep(args.gap)
            for u in users:
                m = stub.send_text(u, "/help")
                help_msgs.append((u, m.message_id, time.monotonic()))

        def help_reply_time(u: int, after: int) -> float | None:
            for e in stub.transcript(u):
                if (
                    e["dir"] == "out"
                    and e["kind"] == "text"
                    and e["message_id"] > after
                    and "What I can do" in (e.get("text") or "")
                ):
                    return e["t"]
            return None

        def all_answered() -> bool:
            return all(help_reply_time(u, mid) is not None for u, mid, _ in help_msgs)

        await stub.wait_for(all_answered, 60, "every /help answered")
        cpu_share = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        latencies, burst, steady = [], [], []
        waves: list[list[float]] = [[] for _ in range(args.rounds + 1)]
        for i, (u, mid, sent) in enumerate(help_msgs):
            t = help_reply_time(u, mid)
            assert t is not None
            latencies.append((t - sent) * 1000)
            (burst if i < len(users) else steady).append((t - sent) * 1000)
            waves[i // len(users)].append((t - sent) * 1000)
        still_rendering = not any(e["kind"] == "video" for e in stub.transcript(RENDERER))
        render_elapsed = time.monotonic() - render_started
        result = {
            "queue": args.queue,
            "waves": [
                {"p50_ms": round(statistics.median(w), 1), "p99_ms": round(percentile(w, 99), 1)}
                for w in waves
            ],
            "users": args.users,
            "burn": args.burn,
            "executor": args.executor,
            "help_requests": len(latencies),
            "help_p50_ms": round(statistics.median(latencies), 1),
            "help_p99_ms": round(percentile(latencies, 99), 1),
            "help_max_ms": round(max(latencies), 1),
            "burst_help_p50_ms": round(statistics.median(burst), 1),
            "burst_help_p99_ms": round(percentile(burst, 99), 1),
            "steady_help_p50_ms": round(statistics.median(steady), 1) if steady else None,
            "steady_help_p99_ms": round(percentile(steady, 99), 1) if steady else None,
            "process_cpu_share": round(cpu_share, 2),
            "every_user_answered": all_answered(),
            "positions_exact_1_to_n": positions == list(range(1, args.users + 1)),
            "render_still_running_at_end": still_rendering,
            "seconds_measured_while_rendering": round(render_elapsed, 1),
            "telegram_requests": len(stub.requests),
        }
    finally:
        h.runtime.runner.queue.cancel(1) if h.runtime else None  # type: ignore[func-returns-value]
        await h.stop()
        await stub.stop()
        if pool is not None:
            pool.stop_all()
        if redis is not None:
            redis.stop()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between /help waves")
    parser.add_argument("--burn", choices=("thread", "ffmpeg", "none"), default="thread")
    parser.add_argument(
        "--executor",
        choices=("thread", "process"),
        default="process",
        help="where the render runs: the bot's production default is a worker process",
    )
    parser.add_argument(
        "--render-seconds", type=float, default=60.0, help="CPU seconds the fake render takes"
    )
    parser.add_argument("--queue", choices=("local", "redis"), default="local")
    parser.add_argument(
        "--queue-workers",
        type=int,
        default=1,
        help="worker processes with --queue redis (1: the renderer's story occupies it, so the 50 wait in line)",
    )
    parser.add_argument("--redis-step-delay", type=float, default=1.0, help="fake engine s/step on workers")
    res = asyncio.run(main(parser.parse_args()))
    print(json.dumps(res, indent=2))
    ok = res["every_user_answered"] and res["positions_exact_1_to_n"]
    sys.exit(0 if ok else 1)
