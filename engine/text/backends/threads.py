"""How many CPU threads llama.cpp should use right now.

llama.cpp's threads spin-wait for each other, so on a loaded machine more threads are much
slower, not faster: measured on 2 shared cores at load ~5, 2 threads gave 3.0 tokens/s and
1 thread 16.7. The 1-minute load average says how many cores other work is using.
``DIGITELLER_TEXT_THREADS`` fixes the number instead.
"""

from __future__ import annotations

import os


def max_threads() -> int:
    """Threads a model is created with: DIGITELLER_TEXT_THREADS, else the cores this process may use."""
    forced = os.environ.get("DIGITELLER_TEXT_THREADS")
    if forced and forced.isdigit() and int(forced) > 0:
        return int(forced)
    from engine.device import cpu_threads

    return cpu_threads()


def text_threads() -> int:
    """Threads for the next generation: the cores that are really free (never fewer than one)."""
    cores = max_threads()
    if os.environ.get("DIGITELLER_TEXT_THREADS"):
        return cores
    try:
        busy = os.getloadavg()[0]
    except OSError:
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
