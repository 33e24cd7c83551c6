"""Running ffmpeg with live progress: a streaming twin of engine.proc.run.

ffmpeg writes ``key=value`` blocks to stdout with ``-progress pipe:1``; ``out_time_us`` says how
far the output has got. A reader thread turns those into a queue while the calling thread polls
the queue and the cancel token, so a cancelled job kills ffmpeg within ~0.2 s even when ffmpeg is
quiet. stderr is drained by a second thread (a full pipe would stall ffmpeg) and its tail goes into
the error message.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.errors import Cancelled, StageError
from engine.proc import kill_tree, popen  # children die with the engine (crash safety)
from engine.progress import CancelToken

#: Called with the seconds of output written so far.
OnTime = Callable[[float], None]


def _pump_progress(stream, out: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        key, _, value = raw.decode("ascii", "replace").strip().partition("=")
        if key in ("out_time_us", "out_time_ms"):  # both are microseconds (a historic ffmpeg quirk)
            with contextlib.suppress(ValueError):  # "N/A" before the first frame
                out.put(int(value) / 1e6)
    out.put(None)


def _pump_stderr(stream, tail: collections.deque) -> None:
    for raw in iter(stream.readline, b""):
        tail.append(raw.decode("utf-8", "replace").rstrip())


def run_ffmpeg(
    args: Sequence[str],
    stage: str,
    cancel: CancelToken | None = None,
    on_time: OnTime | None = None,
    cwd: Path | None = None,
) -> str:
    """Run an ffmpeg argument list (no shell) with ``-progress pipe:1`` added and return its log
    (stderr); raise StageError on failure and Cancelled (after killing ffmpeg) when ``cancel`` is set
    or ``on_time`` raises it."""
    argv = [args[0], "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1", *args[1:]]
    proc = popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    times: queue.Queue = queue.Queue()
    log: collections.deque = collections.deque(maxlen=4000)  # -nostats keeps it short
    readers = [
        threading.Thread(target=_pump_progress, args=(proc.stdout, times), daemon=True),
        threading.Thread(target=_pump_stderr, args=(proc.stderr, log), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        while True:
            if cancel is not None and cancel.is_set:
                raise Cancelled("cancelled")
            try:
                item = times.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                break
            if on_time is not None:
                on_time(item)  # may raise Cancelled (StageReporter does)
        proc.wait()
    except BaseException:
        kill_tree(proc)
        raise
    finally:
        for reader in readers:
            reader.join(timeout=2)
    if proc.returncode != 0:
        lines = [ln for ln in log if ln.strip()][-6:]
        raise StageError(stage, f"ffmpeg failed (exit {proc.returncode}): " + " | ".join(lines))
    return "\n".join(log)
