"""Running engine jobs in a separate worker process, so the bot's event loop keeps the GIL.

Why: parts of the engine are pure Python (music21, pymorphy, cairosvg's parser); in a worker
*thread* they take the GIL in turns with the event loop and a busy render made every bot reply
slow. A worker *process* (spawned once, so models loaded there stay warm between jobs) removes
that contention. Progress events come back through a queue; cancellation goes in through an
event that a watcher thread turns into the job's CancelToken; the job's exception comes back as
itself (engine errors pickle with every field, see engine/errors.py; anything else that cannot be
pickled becomes a RuntimeError naming it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue as queue_module
import threading
from collections.abc import Callable
from multiprocessing.managers import SyncManager
from typing import Any

from engine.proc import die_with_parent
from engine.progress import CancelToken, Progress


def process_entry(work: Callable[..., Any], events: Any, cancel_event: Any) -> tuple[str, Any]:
    """Runs in the worker process: ("ok", result) or ("error", the exception itself)."""
    token = CancelToken()
    stop_watch = threading.Event()

    def watch() -> None:
        while not stop_watch.is_set():
            if cancel_event.wait(0.1):
                token.cancel()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return "ok", work(events.put, token)
    except Exception as err:
        return "error", _picklable(err)
    finally:
        stop_watch.set()


def _picklable(err: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")


class ProcessBridge:
    """Per-queue helper owning the manager whose Queue/Event proxies can be sent to the pool."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.manager = SyncManager(ctx=self.context)
        self.manager.start(initializer=die_with_parent, initargs=(os.getpid(),))

    def channels(self) -> tuple[Any, Any]:
        return self.manager.Queue(), self.manager.Event()

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.manager.shutdown()


def drain(events: Any, deliver: Callable[[Progress], None], timeout: float = 0.1) -> bool:
    """Move available progress events to ``deliver``; False when the queue had nothing."""
    try:
        item = events.get(timeout=timeout)
    except queue_module.Empty:
        return False
    deliver(item)
    while True:
        try:
            deliver(events.get_nowait())
        except queue_module.Empty:
            return True
