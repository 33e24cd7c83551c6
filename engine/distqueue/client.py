"""RedisQueue: the bot's side of the distributed queue (same interface as engine.queue.LocalQueue).

What the bot promises holds here as in one process:
- positions: the bot is the only producer, so it keeps the line (submission order) and moves a job
  to "running" when a worker's ``start`` event arrives;
- one running job per user: a user's next job is handed to Redis only when their previous one
  finished (it waits in the bot's line meanwhile), so free workers never take two of one user's;
- per-user limit and global cap: counted over the line, "busy" past the cap;
- the time limit travels in the spec and is enforced by the worker;
- cancel: a flag in Redis that the running worker polls (a few times a second); a job still in
  line is resolved as cancelled at once, and a worker that later meets it skips it.

Every job's events (start, progress, handback, done/error) go to a Redis stream of its own that
the bot follows with XREAD; after a bot restart ``follow`` reads that stream from its start, so a
job that finished meanwhile is delivered and a running one shows its progress again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq.exceptions import SendTaskError
from taskiq.kicker import AsyncKicker

from engine.distqueue import keys
from engine.distqueue.broker import JobBroker
from engine.errors import Cancelled
from engine.jobs import JobResult, JobSpec, error_from_dict, progress_from_dict
from engine.progress import Progress
from engine.queue import JobHandle, JobInfo, QueueRejected, QueueStopped, WorkerInfo, snapshot_rows

log = logging.getLogger(__name__)
# SendTaskError: taskiq wraps a failed XADD of a message (Redis restarting) in it.
SILENT_AFTER = 60.0  # seconds without a heartbeat before /queue calls a worker silent (likely dead)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError, SendTaskError)


class RedisQueue:
    durable = True  # jobs outlive the bot: after a restart they are followed, not redone

    def __init__(
        self,
        url: str,
        max_waiting: int = 20,
        per_user_waiting: int = 2,
        time_limit: float = 1800.0,
    ) -> None:
        self.url = url
        self.max_waiting = max_waiting
        self.per_user_waiting = per_user_waiting
        self.time_limit = time_limit
        self.redis: Redis | None = None
        self.broker: JobBroker | None = None
        self._handles: dict[int, JobHandle] = {}  # unfinished jobs the bot follows, in submission order
        self._specs: dict[int, JobSpec] = {}
        self._kicked: set[int] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._workers: list[WorkerInfo] = []
        self._stopping = False
        self._kick_lock = asyncio.Lock()

    # ----------------------------------------------------------------- life cycle
    async def start(self) -> None:
        self._stopping = False
        self.redis = Redis.from_url(self.url, health_check_interval=10, socket_connect_timeout=5)
        self.broker = JobBroker(self.url)
        await self.broker.startup()
        self._spawn(self._watch_workers())

    async def stop(self, grace: float = 10.0) -> None:
        """Stop following (jobs go on running on the workers; the next bot follows them again)."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        for handle in list(self._handles.values()):
            self._finish(handle, exc=QueueStopped("queue stopped"))
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await self.broker.shutdown()
        if self.redis is not None:
            await self.redis.aclose()
        self.redis = self.broker = None

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----------------------------------------------------------------- submitting
    async def submit(
        self,
        spec: JobSpec,
        on_progress: Callable[[Progress], None] | None = None,
        on_position: Callable[[int], None] | None = None,
        force: bool = False,
    ) -> JobHandle:
        """Put the job in line (and in Redis when its owner has nothing there); QueueRejected past limits."""
        if self._stopping or self.redis is None:
            raise QueueRejected("busy", "the queue is not running")
        waiting = [h for h in self._handles.values() if h.state == "waiting"]
        own = sum(1 for h in waiting if h.owner == spec.owner)
        if not force and own >= self.per_user_waiting:
            raise QueueRejected("user_limit", f"user {spec.owner} already has {own} jobs waiting")
        if not force and len(waiting) >= self.max_waiting:
            raise QueueRejected("busy", f"{len(waiting)} jobs are waiting already")
        handle = self._track(spec, on_progress, on_position)
        self._notify_positions()
        try:
            await self._kick_eligible()
        except REDIS_DOWN:  # the job waits in the bot's line; handed over once Redis answers again
            log.warning("redis unreachable; job %s waits in the bot until it is back", spec.job_id)
            self._spawn(self._kick_later())
        self._spawn(self._follow(handle, "0"))
        return handle

    async def _kick_later(self) -> None:
        while not self._stopping:
            await asyncio.sleep(1.0)
            try:
                await self._kick_eligible()
                return
            except REDIS_DOWN:
                continue

    async def follow(
        self,
        spec: JobSpec,
        on_progress: Callable[[Progress], None] | None = None,
        on_position: Callable[[int], None] | None = None,
    ) -> JobHandle | None:
        """Take up a job submitted before a restart; None if Redis never got it (submit it then)."""
        assert self.redis is not None
        if not await self.redis.exists(keys.job(spec.job_id)):
            return None
        handle = self._track(spec, on_progress, on_position)
        self._kicked.add(spec.job_id)
        self._notify_positions()
        self._spawn(self._follow(handle, "0"))
        return handle

    def _track(
        self,
        spec: JobSpec,
        on_progress: Callable[[Progress], None] | None,
        on_position: Callable[[int], None] | None,
    ) -> JobHandle:
        if spec.job_id in self._handles:
            raise ValueError(f"job {spec.job_id} is already queued")
        handle = JobHandle(
            job_id=spec.job_id,
            owner=spec.owner,
            work=lambda *_: None,  # the work happens on a worker; the spec says what
            future=asyncio.get_running_loop().create_future(),
            on_progress=on_progress,
            on_position=on_position,
        )
        self._handles[spec.job_id] = handle
        self._specs[spec.job_id] = spec
        return handle

    async def _kick_eligible(self) -> None:
        """Hand Redis the first waiting job of each owner who has none there yet."""
        async with self._kick_lock:  # one pass at a time: a job is never handed over twice
            busy = {self._handles[j].owner for j in self._kicked if j in self._handles}
            for handle in list(self._handles.values()):
                if handle.job_id in self._kicked or handle.owner in busy or handle.state != "waiting":
                    continue
                busy.add(handle.owner)
                await self._kick(self._specs[handle.job_id])
                self._kicked.add(handle.job_id)

    async def _kick(self, spec: JobSpec) -> None:
        assert self.redis is not None and self.broker is not None
        await self.redis.hset(
            keys.job(spec.job_id),
            mapping={"spec": spec.to_json(), "submitted": time.time(), "state": "waiting"},
        )
        kicker: AsyncKicker[Any, Any] = AsyncKicker(keys.TASK, self.broker, {})
        await kicker.with_task_id(str(spec.job_id)).kiq(spec.to_json())

    # ----------------------------------------------------------------- following a job
    async def _follow(self, handle: JobHandle, last: str) -> None:
        """Read the job's event stream until its outcome; ride out Redis restarts."""
        while not handle.future.done():
            try:
                assert self.redis is not None
                reply: Any = await self.redis.xread({keys.events(handle.job_id): last}, block=1000, count=100)
            except REDIS_DOWN:
                log.warning("redis unreachable while following job %s; retrying", handle.job_id)
                await asyncio.sleep(0.5)
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    self._apply(handle, fields[b"e"].decode(), json.loads(fields[b"d"]))
        await self._after_finish(handle)

    def _apply(self, handle: JobHandle, event: str, data: dict[str, Any]) -> None:
        if handle.future.done():
            return
        if event == "start":
            handle.state, handle.started_at = "running", time.monotonic()
            self._notify_positions()
        elif event == "progress" and handle.state == "running":
            p = progress_from_dict(data)
            handle.last_progress = p
            if handle.on_progress is not None:
                _safe(handle.on_progress, p)
        elif event == "handback":  # the worker stopped (SIGTERM): back in line until another takes it
            handle.state = "waiting"
            self._notify_positions()
        elif event == "done":
            self._finish(handle, result=JobResult.from_dict(data))
        elif event == "error":
            self._finish(handle, exc=error_from_dict(data))

    def _finish(self, handle: JobHandle, result: Any = None, exc: BaseException | None = None) -> None:
        handle.state = "finished"
        self._handles.pop(handle.job_id, None)
        self._specs.pop(handle.job_id, None)
        self._kicked.discard(handle.job_id)
        if not handle.future.done():
            if exc is not None:
                handle.future.set_exception(exc)
            else:
                handle.future.set_result(result)
        self._notify_positions()

    async def _after_finish(self, handle: JobHandle) -> None:
        if not self._stopping:
            with contextlib.suppress(*REDIS_DOWN):
                await self._kick_eligible()  # the owner's next job may go to Redis now

    # ----------------------------------------------------------------- cancelling, reading
    def cancel(self, job_id: int, reason: str = "user") -> bool:
        """Ask the job to stop: at once if still in line, within a worker's poll if running."""
        handle = self._handles.get(job_id)
        if handle is None or handle.state == "finished":
            return False
        handle.stop_reason = handle.stop_reason or reason
        self._spawn(self._raise_flag(job_id, reason))
        if handle.state == "waiting":
            self._finish(handle, exc=Cancelled("cancelled"))
            self._spawn(self._after_finish(handle))
        return True

    async def _raise_flag(self, job_id: int, reason: str) -> None:
        for _ in range(20):
            try:
                assert self.redis is not None
                await self.redis.set(keys.cancel(job_id), reason, ex=keys.KEEP_SECONDS)
                return
            except REDIS_DOWN:
                await asyncio.sleep(0.5)

    def snapshot(self) -> list[JobInfo]:
        handles = list(self._handles.values())
        return snapshot_rows(
            [h for h in handles if h.state == "running"], [h for h in handles if h.state == "waiting"]
        )

    def workers(self) -> list[WorkerInfo]:
        return list(self._workers)

    async def _watch_workers(self) -> None:
        """Keep /queue's view of the workers fresh (their heartbeats, read once a second)."""
        while True:
            try:
                assert self.redis is not None
                beats = await self.redis.hgetall(keys.WORKERS)
                now = time.time()
                rows = []
                for wid, raw in sorted(beats.items()):
                    beat = json.loads(raw)
                    name = wid.decode() if isinstance(wid, bytes) else str(wid)
                    ago = now - beat["beat"]
                    # A worker killed without a goodbye keeps its row; past SILENT_AFTER it shows as such.
                    state = beat["state"] if ago < SILENT_AFTER else "silent"
                    rows.append(WorkerInfo(name, state, beat.get("job"), ago))
                self._workers = rows
            except REDIS_DOWN:
                pass
            await asyncio.sleep(1.0)

    @property
    def running(self) -> int:
        return sum(1 for h in self._handles.values() if h.state == "running")

    @property
    def waiting(self) -> int:
        return sum(1 for h in self._handles.values() if h.state == "waiting")

    def _notify_positions(self) -> None:
        waiting = [h for h in self._handles.values() if h.state == "waiting"]
        for i, handle in enumerate(waiting):
            _tell_position(handle, i + 1)
        for handle in self._handles.values():
            if handle.state == "running":
                _tell_position(handle, 0)


def _tell_position(handle: JobHandle, position: int) -> None:
    if position != handle.last_position:
        handle.last_position = position
        if handle.on_position is not None:
            _safe(handle.on_position, position)


def _safe(callback: Callable[[Any], None], value: Any) -> None:
    try:
        callback(value)
    except Exception:  # a broken listener must not stop the follower
        log.exception("queue listener failed")
