"""engine.queue on its own: order and positions, limits, cancellation, time limits, a free event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from engine.errors import Cancelled
from engine.progress import CancelToken, Progress
from engine.queue import JobQueue, JobTimeout, QueueRejected, QueueStopped


def sleeper(seconds: float, log: list[int] | None = None, tag: int = 0):
    """Work that sleeps in small steps, checking the cancel token like the engine does."""

    def work(on_progress, cancel: CancelToken) -> int:
        steps = max(1, int(seconds / 0.01))
        for i in range(steps):
            cancel.check()
            time.sleep(0.01)
            on_progress(Progress("text", (i + 1) / steps, "", (i + 1) / steps))
        if log is not None:
            log.append(tag)
        return tag

    return work


@pytest.fixture
async def queue():
    q = JobQueue(workers=1, max_waiting=3, per_user_waiting=2, time_limit=5)
    await q.start()
    yield q
    await q.stop()


async def test_fifo_order_and_positions(queue: JobQueue) -> None:
    done: list[int] = []
    positions: dict[int, list[int]] = {}
    handles = [
        queue.submit(
            i,
            owner=100 + i,
            work=sleeper(0.05, done, i),
            on_position=lambda p, i=i: positions.setdefault(i, []).append(p),
        )
        for i in range(1, 4)
    ]
    assert [queue.position(i) for i in (1, 2, 3)] == [1, 2, 3]  # nobody started yet
    await asyncio.sleep(0.01)
    assert [queue.position(i) for i in (1, 2, 3)] == [0, 1, 2]
    assert [await h.future for h in handles] == [1, 2, 3]
    assert done == [1, 2, 3]
    assert positions[3] == [3, 2, 1, 0]  # told every time the line moved
    assert len(queue) == 0


async def test_progress_reaches_the_loop(queue: JobQueue) -> None:
    seen: list[tuple[float, str]] = []
    loop_thread = threading.get_ident()

    def on_progress(p: Progress) -> None:
        seen.append((p.fraction, "loop" if threading.get_ident() == loop_thread else "thread"))

    await queue.submit(1, 1, sleeper(0.05), on_progress=on_progress).future
    await asyncio.sleep(0.02)
    assert seen and all(where == "loop" for _, where in seen)
    assert seen[-1][0] == 1.0


async def test_limits(queue: JobQueue) -> None:
    queue.submit(1, owner=7, work=sleeper(0.3))
    await asyncio.sleep(0.01)
    queue.submit(2, owner=7, work=sleeper(0.01))
    queue.submit(3, owner=7, work=sleeper(0.01))
    with pytest.raises(QueueRejected) as err:
        queue.submit(4, owner=7, work=sleeper(0.01))
    assert err.value.reason == "user_limit"
    queue.submit(5, owner=8, work=sleeper(0.01))
    with pytest.raises(QueueRejected) as err:
        queue.submit(6, owner=9, work=sleeper(0.01))
    assert err.value.reason == "busy"
    queue.submit(7, owner=9, work=sleeper(0.01), force=True)  # resumed jobs skip the limits


async def test_one_running_job_per_user_even_with_free_workers() -> None:
    q = JobQueue(workers=2, max_waiting=5, per_user_waiting=3)
    await q.start()
    try:
        a = q.submit(1, owner=1, work=sleeper(0.2))
        b = q.submit(2, owner=1, work=sleeper(0.05))
        c = q.submit(3, owner=2, work=sleeper(0.05))
        await asyncio.sleep(0.05)
        assert q.position(1) == 0 and q.position(3) == 0 and q.position(2) == 1
        await asyncio.gather(a.future, b.future, c.future)
    finally:
        await q.stop()


async def test_cancel_waiting_and_running(queue: JobQueue) -> None:
    finished: list[int] = []
    running = queue.submit(1, 1, sleeper(3.0, finished, 1))
    waiting = queue.submit(2, 2, sleeper(0.01, finished, 2))
    await asyncio.sleep(0.05)
    assert queue.cancel(2) and queue.position(2) is None
    with pytest.raises(Cancelled):
        await waiting.future
    t0 = time.monotonic()
    assert queue.cancel(1)
    with pytest.raises(Cancelled):
        await running.future
    assert time.monotonic() - t0 < 0.5  # really stopped, not left to finish its 3 s
    assert finished == []
    assert not queue.cancel(1)


async def test_time_limit_stops_the_job() -> None:
    q = JobQueue(time_limit=0.2)
    await q.start()
    try:
        handle = q.submit(1, 1, sleeper(5.0))
        t0 = time.monotonic()
        with pytest.raises(JobTimeout):
            await handle.future
        assert time.monotonic() - t0 < 1.0
        assert handle.stop_reason == "timeout"
    finally:
        await q.stop()


async def test_the_event_loop_stays_responsive_while_work_burns_cpu(queue: JobQueue) -> None:
    def burn(on_progress, cancel: CancelToken) -> int:
        end = time.monotonic() + 0.6
        n = 0
        while time.monotonic() < end:
            n += sum(i * i for i in range(2000))  # pure-Python CPU work holding the GIL in turns
            cancel.check()
        return n

    handle = queue.submit(1, 1, burn)
    lags = []
    while not handle.future.done():
        t0 = time.monotonic()
        await asyncio.sleep(0.01)
        lags.append(time.monotonic() - t0 - 0.01)
    await handle.future
    assert len(lags) > 10
    assert sorted(lags)[int(len(lags) * 0.95)] < 0.1  # p95 loop lag stays small


async def test_stop_marks_jobs_as_stopped_not_cancelled() -> None:
    q = JobQueue()
    await q.start()
    running = q.submit(1, 1, sleeper(3.0))
    waiting = q.submit(2, 2, sleeper(0.1))
    await asyncio.sleep(0.05)
    await q.stop()
    for handle in (running, waiting):
        with pytest.raises(QueueStopped):
            await handle.future
    with pytest.raises(QueueRejected):
        q.submit(3, 3, sleeper(0.1))


def _square_with_progress(n: int, on_progress, cancel: CancelToken) -> int:
    for i in range(3):
        cancel.check()
        on_progress(Progress("text", (i + 1) / 3, f"step {i + 1}", (i + 1) / 3))
    return n * n


def _forever(on_progress, cancel: CancelToken) -> None:
    while True:
        cancel.check()
        time.sleep(0.02)


def _fail(on_progress, cancel: CancelToken) -> None:
    from engine.errors import StageError

    raise StageError("images", "no memory", "try a shorter story")


async def test_process_executor_progress_cancel_and_errors() -> None:
    import functools

    from engine.errors import StageError

    q = JobQueue(executor="process", time_limit=30)
    await q.start()
    try:
        seen: list[Progress] = []
        handle = q.submit(1, 1, functools.partial(_square_with_progress, 7), on_progress=seen.append)
        assert await handle.future == 49
        await asyncio.sleep(0.3)
        assert [p.message for p in seen] == ["step 1", "step 2", "step 3"]
        failing = q.submit(2, 1, _fail)
        with pytest.raises(StageError) as err:
            await failing.future
        assert err.value.stage == "images" and err.value.hint == "try a shorter story"
        running = q.submit(3, 1, _forever)
        await asyncio.sleep(1.0)
        t0 = time.monotonic()
        q.cancel(3)
        with pytest.raises(Cancelled):
            await running.future
        assert time.monotonic() - t0 < 2.0
    finally:
        await q.stop()
