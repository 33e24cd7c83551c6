"""In-process asyncio job queue for the engine's heavy work.

Why a queue of our own: a story takes minutes of CPU, the machine has one accelerator (or none),
and the bot must stay responsive while it renders. So jobs wait in order, ``workers`` of them run
at once (one per accelerator, one on CPU), each in a worker thread so the event loop never blocks,
and the queue enforces the fairness rules the bot promises: a user has at most one job running and
a few waiting, the whole queue has a cap, every job has a time limit, and cancelling really stops
the work (the engine checks the job's CancelToken and raises Cancelled).

The queue knows nothing about Telegram or the database: it runs callables and reports positions,
progress and outcomes through callbacks and futures. It must not import bot/ or storage/.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Cancelled
from engine.jobs import JobResult, JobSpec, JobTimeout, StoryEngine, run_job
from engine.proc import die_with_parent
from engine.progress import CancelToken, Progress

log = logging.getLogger(__name__)

#: What a job runs in a worker thread: it gets a progress callback and the cancel token.
Work = Callable[[Callable[[Progress], None], CancelToken], Any]


class QueueRejected(Exception):
    """The queue refused a job; ``reason`` is "busy" (global cap) or "user_limit"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class QueueStopped(Exception):
    """The queue shut down before the job finished; the job may be resumed by the next process."""


@dataclass
class JobHandle:
    """A submitted job. ``future`` resolves with the work's return value or its exception."""

    job_id: int
    owner: int
    work: Work
    future: asyncio.Future[Any]
    on_progress: Callable[[Progress], None] | None = None
    on_position: Callable[[int], None] | None = None
    cancel_token: CancelToken = field(default_factory=CancelToken)
    state: str = "waiting"  # waiting | running | finished
    stop_reason: str | None = None  # "user" | "timeout" | "shutdown" once a stop was asked for
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    last_position: int | None = None
    last_progress: Progress | None = None


@dataclass(frozen=True)
class JobInfo:
    """A read-only view of a job for /queue and tests."""

    job_id: int
    owner: int
    state: str
    position: int
    waited: float
    running_for: float | None
    progress: Progress | None


class JobQueue:
    """FIFO queue with ``workers`` concurrent jobs, per-owner limits, a global cap and time limits."""

    def __init__(
        self,
        workers: int = 1,
        max_waiting: int = 20,
        per_user_waiting: int = 2,
        time_limit: float = 1800.0,
        executor: str = "thread",
    ) -> None:
        """``executor`` = "thread" (in-process; work may be any callable) or "process" (a spawned
        worker process; work must be picklable — see engine.job_process for why)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.max_waiting = max_waiting
        self.per_user_waiting = per_user_waiting
        self.time_limit = time_limit
        if executor not in ("thread", "process"):
            raise ValueError("executor must be 'thread' or 'process'")
        self.executor_kind = executor
        self._bridge: Any = None
        self._waiting: list[JobHandle] = []
        self._running: dict[int, JobHandle] = {}
        self._jobs: dict[int, JobHandle] = {}
        self._wakeup: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._executor: Executor | None = None
        self._stopping = False

    # ----------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Start the worker tasks on the running loop (idempotent)."""
        if self._tasks:
            return
        self._stopping = False
        self._wakeup = asyncio.Event()
        if self.executor_kind == "process":
            from engine.job_process import ProcessBridge

            self._bridge = ProcessBridge()
            # The job processes (and the bridge's manager) die with this process even on SIGKILL:
            # a job left running with no one to report to would keep writing into its story folder.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._bridge.context,
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        else:
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="engine-job")
        self._tasks = [
            asyncio.create_task(self._worker(i), name=f"engine-worker-{i}") for i in range(self.workers)
        ]

    async def stop(self, grace: float = 10.0) -> None:
        """Stop: running jobs are cancelled with reason "shutdown" and waiting jobs get QueueStopped.

        Their records stay unfinished in the caller's database, so the next process resumes them.
        Worker processes are joined, and killed if they outlive ``grace``: nothing is left behind.
        """
        self._stopping = True
        deadline = time.monotonic() + grace
        for handle in list(self._waiting):
            self._finish(handle, exc=QueueStopped("queue stopped"))
        self._waiting.clear()
        for handle in list(self._running.values()):
            handle.stop_reason = handle.stop_reason or "shutdown"
            handle.cancel_token.cancel()
        if self._wakeup is not None:
            self._wakeup.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=max(0.1, deadline - time.monotonic()))
            for task in pending:
                task.cancel()
        self._tasks = []
        if self._executor is not None:
            processes = list(getattr(self._executor, "_processes", {}).values())
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            await asyncio.to_thread(_reap, processes, max(0.5, deadline - time.monotonic()))
        if self._bridge is not None:
            self._bridge.shutdown()
            self._bridge = None

    # ----------------------------------------------------------------- submitting and cancelling
    def submit(
        self,
        job_id: int,
        owner: int,
        work: Work,
        on_progress: Callable[[Progress], None] | None = None,
        on_position: Callable[[int], None] | None = None,
        force: bool = False,
    ) -> JobHandle:
        """Queue ``work``; raise QueueRejected when the owner or the queue is over its limit.

        ``force`` skips the limits: jobs resumed after a restart were accepted once already.
        """
        if self._stopping or not self._tasks:
            raise QueueRejected("busy", "the queue is not running")
        if job_id in self._jobs:
            raise ValueError(f"job {job_id} is already queued")
        own_waiting = sum(1 for h in self._waiting if h.owner == owner)
        if not force and own_waiting >= self.per_user_waiting:
            raise QueueRejected("user_limit", f"user {owner} already has {own_waiting} jobs waiting")
        if not force and len(self._waiting) >= self.max_waiting:
            raise QueueRejected("busy", f"{len(self._waiting)} jobs are waiting already")
        handle = JobHandle(
            job_id=job_id,
            owner=owner,
            work=work,
            future=asyncio.get_running_loop().create_future(),
            on_progress=on_progress,
            on_position=on_position,
        )
        self._jobs[job_id] = handle
        self._waiting.append(handle)
        self._notify_positions()
        assert self._wakeup is not None
        self._wakeup.set()
        return handle

    def cancel(self, job_id: int, reason: str = "user") -> bool:
        """Cancel a waiting job at once, or ask a running one to stop; False if it is not here."""
        handle = self._jobs.get(job_id)
        if handle is None or handle.state == "finished":
            return False
        handle.stop_reason = handle.stop_reason or reason
        if handle.state == "waiting":
            self._waiting.remove(handle)
            self._finish(handle, exc=Cancelled("cancelled"))
            self._notify_positions()
        else:
            handle.cancel_token.cancel()
        return True

    # ----------------------------------------------------------------- reading
    def position(self, job_id: int) -> int | None:
        """0 = running, 1.. = place in line, None = not in the queue."""
        handle = self._jobs.get(job_id)
        if handle is None or handle.state == "finished":
            return None
        if handle.state == "running":
            return 0
        return self._waiting.index(handle) + 1

    def __len__(self) -> int:
        return len(self._waiting) + len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return len(self._running)

    def owner_jobs(self, owner: int) -> list[int]:
        return [h.job_id for h in self._jobs.values() if h.owner == owner and h.state != "finished"]

    def snapshot(self) -> list[JobInfo]:
        return snapshot_rows(self._running.values(), self._waiting)

    # ----------------------------------------------------------------- internals
    def _next_eligible(self) -> JobHandle | None:
        """The first waiting job whose owner has nothing running (one running job per user)."""
        busy_owners = {h.owner for h in self._running.values()}
        for handle in self._waiting:
            if handle.owner not in busy_owners:
                return handle
        return None

    async def _worker(self, index: int) -> None:
        assert self._wakeup is not None
        while not self._stopping:
            handle = self._next_eligible()
            if handle is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            self._waiting.remove(handle)
            handle.state = "running"
            handle.started_at = time.monotonic()
            self._running[handle.job_id] = handle
            self._notify_positions()
            try:
                await self._run(handle)
            finally:
                self._running.pop(handle.job_id, None)
                self._notify_positions()
                self._wakeup.set()

    async def _run(self, handle: JobHandle) -> None:
        loop = asyncio.get_running_loop()

        def progress_from_thread(p: Progress) -> None:
            # Called in the worker thread: hand the event to the loop, never touch bot state here.
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                loop.call_soon_threadsafe(self._deliver_progress, handle, p)

        assert self._executor is not None
        if self._bridge is not None:
            fut = self._run_in_process(loop, handle)
        else:
            fut = loop.run_in_executor(self._executor, handle.work, progress_from_thread, handle.cancel_token)
        try:
            result = await asyncio.wait_for(asyncio.shield(fut), timeout=self.time_limit)
        except TimeoutError:
            handle.stop_reason = handle.stop_reason or "timeout"
            handle.cancel_token.cancel()
            log.warning("job %s ran past %.0f s; stopping it", handle.job_id, self.time_limit)
            with contextlib.suppress(BaseException):
                await fut  # the engine raises Cancelled at its next check
            self._finish(handle, exc=JobTimeout(f"the job ran longer than {self.time_limit:.0f} s"))
        except asyncio.CancelledError:
            handle.cancel_token.cancel()
            self._finish(handle, exc=QueueStopped("queue stopped"))
            raise
        except BaseException as exc:  # the work's own error travels to whoever awaits the future
            if isinstance(exc, Cancelled) and handle.stop_reason == "shutdown":
                exc = QueueStopped("queue stopped")
            self._finish(handle, exc=exc)
        else:
            self._finish(handle, result=result)  # even if a stop was asked: the result is real

    def _run_in_process(self, loop: asyncio.AbstractEventLoop, handle: JobHandle) -> asyncio.Future[Any]:
        """Submit to the process pool; relay progress and cancellation; unwrap the outcome."""
        from engine.job_process import drain, process_entry

        events, cancel_event = self._bridge.channels()
        raw = loop.run_in_executor(self._executor, process_entry, handle.work, events, cancel_event)

        def forward(p: Progress) -> None:
            loop.call_soon_threadsafe(self._deliver_progress, handle, p)

        def relay() -> None:  # a helper thread: blocking queue reads stay off the event loop
            while not raw.done():
                drain(events, forward)
                if handle.cancel_token.is_set and not cancel_event.is_set():
                    cancel_event.set()
            drain(events, forward, 0.0)

        relay_done = loop.run_in_executor(None, relay)

        async def outcome() -> Any:
            status, payload = await raw
            with contextlib.suppress(Exception):
                await relay_done
            if status == "error":
                raise payload
            return payload

        return asyncio.ensure_future(outcome())

    def _deliver_progress(self, handle: JobHandle, p: Progress) -> None:
        handle.last_progress = p
        if handle.on_progress is not None and handle.state == "running":
            try:
                handle.on_progress(p)
            except Exception:  # a broken listener must not kill the job
                log.exception("progress listener of job %s failed", handle.job_id)

    def _finish(self, handle: JobHandle, result: Any = None, exc: BaseException | None = None) -> None:
        handle.state = "finished"
        self._jobs.pop(handle.job_id, None)
        if handle.future.done():
            return
        if exc is not None:
            handle.future.set_exception(exc)
        else:
            handle.future.set_result(result)

    def _notify_positions(self) -> None:
        for i, handle in enumerate(self._waiting):
            pos = i + 1
            if pos != handle.last_position:
                handle.last_position = pos
                if handle.on_position is not None:
                    try:
                        handle.on_position(pos)
                    except Exception:
                        log.exception("position listener of job %s failed", handle.job_id)
        for handle in self._running.values():
            if handle.last_position != 0:
                handle.last_position = 0
                if handle.on_position is not None:
                    try:
                        handle.on_position(0)
                    except Exception:
                        log.exception("position listener of job %s failed", handle.job_id)


def snapshot_rows(running: Iterable[JobHandle], waiting: Iterable[JobHandle]) -> list[JobInfo]:
    """/queue's view of jobs, running first (position 0), then waiting in order; both queues use it."""
    now = time.monotonic()
    rows = [
        JobInfo(
            h.job_id,
            h.owner,
            "running",
            0,
            (h.started_at or now) - h.submitted_at,
            now - (h.started_at or now),
            h.last_progress,
        )
        for h in running
    ]
    rows += [
        JobInfo(h.job_id, h.owner, "waiting", i + 1, now - h.submitted_at, None, None)
        for i, h in enumerate(waiting)
    ]
    return rows


def _reap(processes: list[Any], timeout: float) -> None:
    """Join worker processes; kill the ones still alive after ``timeout`` (a job ignoring its token)."""
    end = time.monotonic() + timeout
    for proc in processes:
        proc.join(max(0.0, end - time.monotonic()))
    for proc in processes:
        if proc.is_alive():
            log.warning("engine worker process %s did not stop in time; killing it", proc.pid)
            proc.kill()
            proc.join(5)


# ====================================================================== the interface the bot uses
@dataclass(frozen=True)
class WorkerInfo:
    """A worker as /queue shows it: where it runs, what it does, when it last said so."""

    worker_id: str
    state: str  # idle | busy | stopping
    job_id: int | None
    seconds_since_beat: float


class LocalQueue:
    """The default queue (QUEUE_URL empty): specs run on this machine, no other service needed.

    The same interface as engine.distqueue.RedisQueue: ``submit(spec) → handle`` whose future
    resolves to a JobResult or raises the job's error, ``follow`` (nothing survives a restart
    here, so always None), ``cancel``, ``snapshot``, ``workers``, limits and the time limit.
    """

    def __init__(
        self,
        engine: StoryEngine,
        data_dir: Any,
        workers: int = 1,
        max_waiting: int = 20,
        per_user_waiting: int = 2,
        time_limit: float = 1800.0,
        executor: str = "thread",
    ) -> None:
        from pathlib import Path

        self.engine = engine
        self.data_dir = Path(data_dir)
        self.jobs = JobQueue(workers, max_waiting, per_user_waiting, time_limit, executor)
        self._host = socket.gethostname()

    async def start(self) -> None:
        await self.jobs.start()

    async def stop(self, grace: float = 10.0) -> None:
        await self.jobs.stop(grace)

    async def submit(
        self,
        spec: JobSpec,
        on_progress: Callable[[Progress], None] | None = None,
        on_position: Callable[[int], None] | None = None,
        force: bool = False,
    ) -> JobHandle:
        work = functools.partial(run_job, spec, self.data_dir, self.engine)
        return self.jobs.submit(spec.job_id, spec.owner, work, on_progress, on_position, force)

    async def follow(
        self,
        spec: JobSpec,
        on_progress: Callable[[Progress], None] | None = None,
        on_position: Callable[[int], None] | None = None,
    ) -> JobHandle | None:
        """A job from before a restart: in-process jobs die with the process, so the caller resubmits."""
        return None

    def cancel(self, job_id: int, reason: str = "user") -> bool:
        return self.jobs.cancel(job_id, reason)

    def snapshot(self) -> list[JobInfo]:
        return self.jobs.snapshot()

    def workers(self) -> list[WorkerInfo]:
        running = [h.job_id for h in self.jobs._running.values()]
        return [
            WorkerInfo(
                f"{self._host}/local-{i}",
                "busy" if i < len(running) else "idle",
                running[i] if i < len(running) else None,
                0.0,
            )
            for i in range(self.jobs.workers)
        ]

    @property
    def running(self) -> int:
        return self.jobs.running

    @property
    def waiting(self) -> int:
        return self.jobs.waiting


__all__ = [
    "JobHandle",
    "JobInfo",
    "JobQueue",
    "JobResult",
    "JobSpec",
    "JobTimeout",
    "LocalQueue",
    "QueueRejected",
    "QueueStopped",
    "WorkerInfo",
]
