"""``python -m engine worker``: pull story jobs from Redis and run them with models kept warm.

Start one per GPU, on as many machines as you like; they share the story folders through DATA_DIR
(a shared volume). The worker knows nothing of Telegram or the database: a job is an
engine.jobs.JobSpec, its progress and outcome go back as events on the job's Redis stream.

A job's life here: claim the run lease (a second worker holding a redelivered copy leaves it
alone while the first is alive) → "start" → run ``engine.jobs.run_job`` in a thread with a
CancelToken (set when the bot raises the job's cancel flag, polled every 0.25 s, or at the time
limit) → "done"/"error" event and the finished flag, written together → ack. Between all that, a
heartbeat every ``beat`` seconds: the worker's row in ``digiteller:workers`` (for /queue), the
lease, and the message's idle time (so a long story is not mistaken for a dead worker's).

Faults: SIGKILL → no ack, no heartbeat: after ``reclaim_after`` seconds another worker claims the
message and resumes from the story folder (the pipeline skips finished stages; the folder lock
keeps a second runner out). SIGTERM → the job is stopped at its next check and handed back (a new
message for the same job, then ack), and the worker exits; a second SIGTERM exits at once.
Redis restart → every Redis call is retried until it answers again; the final event is never
dropped (the ack waits for it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage
from taskiq.exceptions import SendTaskError
from taskiq.kicker import AsyncKicker

from engine.distqueue import keys
from engine.distqueue.broker import JobBroker
from engine.errors import Cancelled, FolderBusy
from engine.jobs import JobSpec, JobTimeout, StoryEngine, error_to_dict, progress_to_dict, run_job
from engine.progress import CancelToken, Progress

log = logging.getLogger("engine.worker")
# SendTaskError: taskiq wraps a failed XADD of a message (Redis restarting) in it.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError, SendTaskError)


class Worker:
    def __init__(
        self,
        url: str,
        data_dir: Path,
        engine: StoryEngine,
        worker_id: str | None = None,
        beat: float = 2.0,
        reclaim_after: float = 30.0,
    ) -> None:
        self.url = url
        self.data_dir = data_dir
        self.engine = engine
        self.worker_id = worker_id or f"{socket.gethostname()}/{os.getpid()}-{uuid.uuid4().hex[:4]}"
        self.beat = beat
        self.reclaim_after = reclaim_after
        self.broker = JobBroker(url, consumer_name=self.worker_id, idle_timeout_s=reclaim_after)
        self.redis: Redis = Redis.from_url(url, socket_connect_timeout=5)
        self.state = "idle"
        self.job_id: int | None = None
        self.stopping = asyncio.Event()
        self._token: CancelToken | None = None
        self._stop_reason: str | None = None

    # ----------------------------------------------------------------- main loop
    async def run(self) -> None:
        await self._retry(self.broker.startup)
        beat = asyncio.create_task(self._heartbeat())
        try:
            while not self.stopping.is_set():
                try:
                    await self._serve()
                except REDIS_DOWN:
                    log.warning("redis unreachable; retrying in 1 s")
                    await asyncio.sleep(1.0)
        finally:
            beat.cancel()
            with contextlib.suppress(Exception):
                await self.redis.hdel(keys.WORKERS, self.worker_id)
            with contextlib.suppress(Exception):
                await self.broker.shutdown()
            await self.redis.aclose()

    async def _serve(self) -> None:
        messages = self.broker.listen().__aiter__()
        while not self.stopping.is_set():
            nxt = asyncio.ensure_future(messages.__anext__())
            stop = asyncio.ensure_future(self.stopping.wait())
            await asyncio.wait({nxt, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not nxt.done():  # stopping while idle: take nothing more
                nxt.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, *REDIS_DOWN):
                    await nxt
                return
            message = nxt.result()
            msg_id = self.broker.current_id
            await self._handle(message, msg_id)

    def request_stop(self) -> None:
        """SIGTERM: stop the current job at its next check and hand it back; take nothing new."""
        if self.stopping.is_set():
            log.warning("second stop request: exiting now")
            os._exit(1)
        log.info("stopping: %s", f"handing back job {self.job_id}" if self.job_id else "idle")
        self._stop_reason = "shutdown"
        self.stopping.set()
        if self._token is not None:
            self._token.cancel()

    # ----------------------------------------------------------------- one job
    async def _handle(self, message: AckableMessage, msg_id: bytes | None) -> None:
        try:
            spec = JobSpec.from_json(self.broker.formatter.loads(message.data).args[0])
        except Exception:  # not a job of ours (or from an incompatible version): drop it, loudly
            log.exception("unreadable message %r; acknowledging it so it is not redelivered forever", msg_id)
            await _ack(message)
            return
        jid = spec.job_id
        if await self.redis.exists(keys.finished(jid)):
            await _ack(message)  # a copy of a job already finished: nothing to do
            return
        if await self.redis.get(keys.cancel(jid)):
            await self._final(spec, "error", error_to_dict(Cancelled("cancelled")))
            await _ack(message)
            return
        lease_ms = int(self.reclaim_after * 1000)
        if not await self.redis.set(keys.lease(jid), self.worker_id, nx=True, px=lease_ms):
            log.info("job %s is running on another live worker; leaving this copy", jid)
            return  # not acked: if that worker dies, this message is claimed again later
        try:
            await self._run(spec, message, msg_id)
        finally:
            with contextlib.suppress(*REDIS_DOWN):
                await self.redis.delete(keys.lease(jid))

    async def _run(self, spec: JobSpec, message: AckableMessage, msg_id: bytes | None) -> None:
        jid = spec.job_id
        self.state, self.job_id, self._msg_id = "busy", jid, msg_id
        self._token = token = CancelToken()
        self._stop_reason = "shutdown" if self.stopping.is_set() else None
        if self.stopping.is_set():
            token.cancel()
        await self._event(jid, "start", {"worker": self.worker_id})
        await self._retry(
            lambda: self.redis.hset(keys.job(jid), mapping={"state": "running", "worker": self.worker_id})
        )
        loop = asyncio.get_running_loop()
        progress: asyncio.Queue[Progress] = asyncio.Queue()
        sender = asyncio.create_task(self._send_progress(jid, progress))
        watcher = asyncio.create_task(self._watch_cancel(jid, token, time.monotonic() + spec.time_limit))
        log.info("job %s: %s in %s", jid, spec.kind, spec.folder)

        def report(p: Progress) -> None:  # in the job's thread: hand the event to the loop
            loop.call_soon_threadsafe(progress.put_nowait, p)

        try:
            result = await loop.run_in_executor(
                None, run_job, spec, self.data_dir, self.engine, report, token
            )
        except Cancelled:
            await self._after_cancel(spec, message)
        except FolderBusy as err:  # a live runner elsewhere has the folder: its outcome will come
            log.warning("job %s: %s; leaving the message for later", jid, err)
        except Exception as err:
            log.warning("job %s failed: %r", jid, err)
            await self._drain(sender, progress)
            await self._final(spec, "error", error_to_dict(err))
            await _ack(message)
        else:
            await self._drain(sender, progress)
            await self._final(spec, "done", result.to_dict())
            await _ack(message)
            log.info("job %s done", jid)
        finally:
            watcher.cancel()
            sender.cancel()
            self.state, self.job_id, self._token = (
                ("stopping" if self.stopping.is_set() else "idle"),
                None,
                None,
            )

    async def _after_cancel(self, spec: JobSpec, message: AckableMessage) -> None:
        reason = self._stop_reason
        if reason == "shutdown":  # hand back: a fresh message for the same job, then ack this one
            kicker: AsyncKicker[Any, Any] = AsyncKicker(keys.TASK, self.broker, {})
            await self._retry(lambda: kicker.with_task_id(str(spec.job_id)).kiq(spec.to_json()))
            await self._event(spec.job_id, "handback", {"worker": self.worker_id})
            await _ack(message)
            log.info("job %s handed back", spec.job_id)
            return
        err: BaseException = (
            JobTimeout(f"the job ran longer than {spec.time_limit:.0f} s")
            if reason == "timeout"
            else Cancelled("cancelled")
        )
        await self._final(spec, "error", error_to_dict(err))
        await _ack(message)

    async def _watch_cancel(self, jid: int, token: CancelToken, deadline: float) -> None:
        """The bot's cancel flag and the time limit, checked four times a second."""
        while not token.is_set:
            if time.monotonic() > deadline:
                self._stop_reason = "timeout"
                token.cancel()
                return
            with contextlib.suppress(*REDIS_DOWN):
                reason = await self.redis.get(keys.cancel(jid))
                if reason:
                    text = reason.decode() if isinstance(reason, bytes) else str(reason)
                    self._stop_reason = self._stop_reason or text
                    token.cancel()
                    return
            await asyncio.sleep(0.25)

    async def _send_progress(self, jid: int, progress: asyncio.Queue[Progress]) -> None:
        while True:
            p = await progress.get()
            while not progress.empty():  # coalesce: only the newest matters to a status message
                p = progress.get_nowait()
            with contextlib.suppress(*REDIS_DOWN):  # progress may be lost while Redis is down; outcomes never
                await self._event(jid, "progress", progress_to_dict(p), retry=False)

    async def _drain(self, sender: asyncio.Task[None], progress: asyncio.Queue[Progress]) -> None:
        """Stop the progress sender; the newest event still waiting goes out before the outcome."""
        await asyncio.sleep(0)  # let call_soon_threadsafe callbacks land
        sender.cancel()
        last = None
        while not progress.empty():
            last = progress.get_nowait()
        if last is not None and self.job_id is not None:
            with contextlib.suppress(*REDIS_DOWN):
                await self._event(self.job_id, "progress", progress_to_dict(last), retry=False)

    # ----------------------------------------------------------------- Redis writes
    async def _event(self, jid: int, event: str, data: dict[str, Any], retry: bool = True) -> None:
        async def add() -> Any:
            return await self.redis.xadd(
                keys.events(jid),
                {"e": event, "d": json.dumps(data, ensure_ascii=False)},
                maxlen=200,
                approximate=True,
            )

        await (self._retry(add) if retry else add())

    async def _final(self, spec: JobSpec, event: str, data: dict[str, Any]) -> None:
        """The outcome event and the finished flag together (MULTI), retried until Redis takes them."""
        jid = spec.job_id

        async def write() -> Any:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xadd(keys.events(jid), {"e": event, "d": json.dumps(data, ensure_ascii=False)})
                pipe.set(keys.finished(jid), event, ex=keys.KEEP_SECONDS)
                pipe.expire(keys.events(jid), keys.KEEP_SECONDS)
                pipe.hset(keys.job(jid), "state", "finished")
                pipe.expire(keys.job(jid), keys.KEEP_SECONDS)
                return await pipe.execute()

        await self._retry(write)

    async def _retry(self, call: Any, tries: int = 600) -> Any:
        for attempt in range(tries):
            try:
                return await call()
            except REDIS_DOWN:
                if attempt == tries - 1:
                    raise
                await asyncio.sleep(0.5)
        return None

    async def _heartbeat(self) -> None:
        while True:
            with contextlib.suppress(*REDIS_DOWN):
                beat = {"state": self.state, "job": self.job_id, "beat": time.time(), "pid": os.getpid()}
                await self.redis.hset(keys.WORKERS, self.worker_id, json.dumps(beat))
                if self.job_id is not None:
                    await self.redis.pexpire(keys.lease(self.job_id), int(self.reclaim_after * 1000))
                    if self._msg_id is not None:
                        await self.broker.touch(self._msg_id)
            await asyncio.sleep(self.beat)

    _msg_id: bytes | None = None


async def _ack(message: AckableMessage) -> None:
    """Acknowledge: the message leaves the consumer group's pending list (the job is over here)."""
    ack = message.ack()
    if ack is not None:
        await ack


# ====================================================================== command line
def load_engine(spec: str) -> StoryEngine:
    """``module:attribute`` → an engine object (a class or factory is called with no arguments)."""
    module, _, attr = spec.partition(":")
    obj = getattr(importlib.import_module(module), attr or "PipelineEngine")
    engine: StoryEngine = obj() if callable(obj) else obj
    return engine


def warm(names: list[str]) -> None:
    """Load what the first job would otherwise wait for: each named engine module (``pipeline``,
    or a block such as ``text``), then every named block's ``warm()`` where the block has one.
    Later jobs find their models loaded anyway: backends stay cached in this long-lived process."""
    for name in names:
        try:
            importlib.import_module(f"engine.{name}")
            log.info("warmed engine.%s", name)
        except Exception as err:  # a block that cannot load now fails its job later, with a hint
            log.warning("could not warm engine.%s: %s", name, err)
    if not names:
        return
    try:
        from engine.blocks import build_blocks
        from engine.story import StoryRequest

        blocks = build_blocks(StoryRequest(prompt="warm"))
    except Exception as err:
        log.warning("could not build the blocks to warm them: %s", err)
        return
    for name in names:
        hook = getattr(getattr(blocks, name, None), "warm", None)
        if callable(hook):
            hook()


def _dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, eq, value = line.strip().partition("=")
            if eq and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return values


def build_parser() -> argparse.ArgumentParser:
    env = {**_dotenv(Path(".env")), **os.environ}
    p = argparse.ArgumentParser(prog="python -m engine worker", description=__doc__.split("\n\n")[0])
    p.add_argument("--queue-url", default=env.get("QUEUE_URL", ""), help="Redis URL (default: QUEUE_URL)")
    p.add_argument(
        "--data-dir", default=env.get("DATA_DIR", "data"), help="shared data folder (default: DATA_DIR)"
    )
    p.add_argument(
        "--warm",
        default="pipeline",
        help="comma-separated engine modules / blocks to load at start; 'text' also loads the writer's "
        "model (e.g. pipeline,text; '' = none)",
    )
    p.add_argument("--engine", default="engine.jobs:PipelineEngine", help=argparse.SUPPRESS)
    p.add_argument("--id", default=None, help="worker id shown in /queue (default: host/pid)")
    p.add_argument("--beat", type=float, default=2.0, help="heartbeat interval, seconds")
    p.add_argument(
        "--reclaim-after",
        type=float,
        default=30.0,
        help="seconds without a heartbeat before a job is taken over by another worker",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.queue_url:
        print("python -m engine worker: set QUEUE_URL (in .env or the environment) or pass --queue-url")
        return 2
    warm([b for b in args.warm.split(",") if b])
    worker = Worker(
        args.queue_url,
        Path(args.data_dir).resolve(),
        load_engine(args.engine),
        args.id,
        args.beat,
        args.reclaim_after,
    )

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.request_stop)
        await worker.run()

    asyncio.run(run())
    return 0
