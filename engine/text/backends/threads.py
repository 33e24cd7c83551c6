"""How many CPU threads llama.cpp should use right now.

llama.cpp's threads spin-wait for each other, so on a loaded machine more threads are much
slower, not faster: measured on 2 shared cores at load ~5, 2 threads gave 3.0 tokens/s and
1 thread 16.7. So before each generation the backend asks how many cores *other* processes are
using and takes the rest. ``DIGITELLER_TEXT_THREADS`` fixes the number instead.

Why not the load average: it counts this process's own threads too, so one generation on 2
threads raised it to ~2 and the next generation dropped to 1 thread on an otherwise idle machine
(the text stage ran at half speed: 10 instead of ~22 tokens/s). Instead we compare the machine's
busy CPU time (``/proc/stat``) with this process's own CPU time over the same window: the window
since the previous generation when there was one (it was mostly that generation), else a short
sample taken now.
"""

from __future__ import annotations

import os
import time

#: The window used when there is no recent previous sample (seconds).
SAMPLE_SECONDS = 0.25
#: A previous sample older than this says nothing about now: sample afresh.
STALE_SECONDS = 30.0

_last: tuple[float, float, float] | None = None  # (monotonic time, machine busy s, own cpu s)


def max_threads() -> int:
    """Threads a model is created with: DIGITELLER_TEXT_THREADS, else the cores this process may use."""
    forced = os.environ.get("DIGITELLER_TEXT_THREADS")
    if forced and forced.isdigit() and int(forced) > 0:
        return int(forced)
    from engine.device import cpu_threads

    return cpu_threads()


def _sample() -> tuple[float, float, float] | None:
    """(now, CPU seconds the whole machine has been busy, CPU seconds this process has used)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    idle = fields[3] + fields[4]  # idle + iowait
    own = os.times()
    return time.monotonic(), (sum(fields) - idle) / hz, own.user + own.system


def others_busy_cores() -> float | None:
    """Cores' worth of CPU that other processes used recently; None where it cannot be measured."""
    global _last
    now = _sample()
    if now is None:
        return None
    before = _last
    if before is None or now[0] - before[0] > STALE_SECONDS or now[0] - before[0] < 0.1:
        time.sleep(SAMPLE_SECONDS)
        before, now = now, _sample()
        if now is None:
            return None
    _last = now
    elapsed = now[0] - before[0]
    others = (now[1] - before[1]) - (now[2] - before[2])
    return max(0.0, others / elapsed)


def text_threads() -> int:
    """Threads for the next generation: the cores that others leave free (never fewer than one)."""
    cores = max_threads()
    if os.environ.get("DIGITELLER_TEXT_THREADS"):
        return cores
    busy = others_busy_cores()
    if busy is None:
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))


def use_free_threads(llm: object, current: int) -> int:
    """Set a live llama.cpp context to the free cores; returns the count now in use."""
    n = text_threads()
    if n != current:
        try:
            llm._ctx.set_n_threads(n, n)  # type: ignore[attr-defined]  # llama_set_n_threads
            return n
        except AttributeError:  # another llama-cpp-python layout: keep what it was created with
            return current
    return current
