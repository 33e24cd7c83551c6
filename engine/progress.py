"""Progress reporting and cancellation shared by every block.

Blocks run in worker threads, so both objects are thread-safe and cheap to call often.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """One progress event: ``fraction`` is within the stage (0..1); ``overall`` across the job."""

    stage: str
    fraction: float
    message: str = ""
    overall: float = 0.0


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Set from any thread; long loops call ``check()`` and subprocesses poll ``is_set``."""

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._parent = parent

    def cancel(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.is_set)

    def child(self) -> CancelToken:
        """A token cancelled with this one, but cancellable on its own (to stop sibling work)."""
        return CancelToken(self)

    def check(self) -> None:
        if self.is_set:
            raise Cancelled("cancelled")


class StageReporter:
    """What a block receives: report(fraction, message) for its own stage, plus the cancel token."""

    def __init__(
        self,
        stage: str,
        callback: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        weight_before: float = 0.0,
        weight: float = 1.0,
    ) -> None:
        self.stage = stage
        self.cancel = cancel or CancelToken()
        self._callback = callback
        self._before = weight_before
        self._weight = weight

    def __call__(self, fraction: float, message: str = "") -> None:
        self.cancel.check()
        if self._callback is not None:
            f = min(1.0, max(0.0, fraction))
            self._callback(Progress(self.stage, f, message, self._before + self._weight * f))


def null_reporter(stage: str = "test") -> StageReporter:
    """A reporter that reports nowhere; for tests and for calling a block on its own."""
    return StageReporter(stage)
