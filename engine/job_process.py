"""Running engine jobs in a separate worker process, so the bot's event loop keeps the GIL.

Why: parts of the engine are pure Python (music21, pymorphy, cairosvg's parser); in a worker
*thread* they take the GIL in turns with the event loop and a busy render made every bot reply
slow. A worker *process* (spawned once, so models loaded there stay warm between jobs) removes
that contention. Progress events come back through a queue; cancellation goes in through an
event that a watcher thread turns into the job's CancelToken; the engine's own exceptions are
rebuilt on this side (their constructors take more than one argument, so plain pickling fails).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue as queue_module
import threading
from collections.abc import Callable
from typing import Any

from engine.errors import BackendUnavailable, Cancelled, EngineError, PromptError, StageError
from engine.progress import CancelToken, Progress


def process_entry(work: Callable[..., Any], events: Any, cancel_event: Any) -> tuple[str, Any]:
    """Runs in the worker process: ("ok", result) or ("error", (kind, fields, text))."""
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
    except EngineError as err:
        return "error", (type(err).__name__, dict(vars(err)), str(err))
    except Exception as err:
        return "error", (type(err).__name__, {}, str(err))
    finally:
        stop_watch.set()


def rebuild_error(kind: str, fields: dict[str, Any], text: str) -> BaseException:
    if kind == "StageError":
        return StageError(fields.get("stage", "?"), fields.get("message", text), fields.get("hint", ""))
    if kind == "PromptError":
        return PromptError(text, fields.get("hint", ""))
    if kind == "Cancelled":
        return Cancelled(text)
    if kind == "BackendUnavailable":
        return BackendUnavailable(fields.get("backend", "?"), fields.get("reason", text))
    return RuntimeError(f"{kind}: {text}")


class ProcessBridge:
    """Per-queue helper owning the manager whose Queue/Event proxies can be sent to the pool."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.manager = self.context.Manager()

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
