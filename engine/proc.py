"""Run external programs (ffmpeg, ffprobe, RHVoice, espeak-ng, fluidsynth, npm) safely: argument lists
only, never a shell, killed promptly on cancellation, with stderr kept for the error message — and
never outliving the engine.

Why children must die with us: a story job is resumable, so after a crash (SIGKILL, OOM, a deploy)
the same folder is worked on again. A child left running from the dead attempt keeps writing into
that folder beside the new attempt's child (the video stage once delivered a file with thousands of
decode errors that way). Every child of the engine is therefore started by :func:`popen`, which

* asks the kernel to SIGKILL the child when its parent goes away (``PR_SET_PDEATHSIG``, Linux), so
  even ``kill -9`` of the engine takes its children with it;
* puts the child in a process group of its own, so cancellation and errors kill the child *and*
  anything it started (:func:`kill_tree`), and a terminal's Ctrl-C reaches only the engine, which
  then stops its children itself;
* forks from one long-lived thread. PDEATHSIG fires when the *thread* that forked the child exits,
  not the process: a child forked from a stage's pool thread would be killed as soon as that pool
  shut down. The spawner thread lives as long as the process, so "parent died" means the process.

A process the engine does not start through here (the bot's multiprocessing job process) calls
:func:`die_with_parent` first thing in its entry point for the same guarantee.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from engine.errors import Cancelled, StageError
from engine.progress import CancelToken

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl, resolved once here: a forked child must not dlopen (it may deadlock there)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.prctl
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    fn.restype = ctypes.c_int
    return fn


_prctl = _load_prctl()
#: True where the kernel can kill our children for us; elsewhere only cancel/exception paths do.
PDEATHSIG_SUPPORTED = _prctl is not None


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Make the calling process receive SIGKILL when its parent (the thread that forked it) exits.

    For processes started some other way than :func:`popen` — call it first thing in the child
    (e.g. a multiprocessing target) with the parent's pid as the parent saw it (``os.getpid()``
    before starting the child): if the parent has already died in between, the child kills itself
    instead of running orphaned. Returns False where the platform has no such mechanism.
    """
    if _prctl is None:
        return False
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


def _child_setup(parent_pid: int) -> Callable[[], None]:
    """The ``preexec_fn``: only a prctl syscall and getppid, both async-signal-safe in effect."""

    def setup() -> None:
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent_pid:  # the engine died between fork and prctl
                os._exit(137)

    return setup


class _Spawner:
    """One daemon thread that does every fork, so PDEATHSIG is tied to the process's lifetime."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], subprocess.Popen], Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = -1
        self._lock = threading.Lock()

    def _loop(self) -> None:
        while True:
            make, fut = self._jobs.get()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(make())
            except BaseException as exc:  # FileNotFoundError etc. belong to the caller
                fut.set_exception(exc)

    def submit(self, make: Callable[[], subprocess.Popen]) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._jobs = queue.SimpleQueue()  # after a fork the old thread does not exist here
                self._thread = threading.Thread(target=self._loop, name="engine-proc-spawner", daemon=True)
                self._thread.start()
                self._pid = os.getpid()
        if threading.current_thread() is self._thread:
            return make()
        fut: Future[subprocess.Popen] = Future()
        self._jobs.put((make, fut))
        try:
            return fut.result()
        except BaseException:  # interrupted while waiting (Ctrl-C): the child must not run unowned
            if not fut.cancel():
                with contextlib.suppress(BaseException):
                    kill_tree(fut.result(timeout=10))
            raise


_spawner = _Spawner()


def popen(args: Sequence[str], **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen(list(args), **kwargs)`` for a child that dies with the engine.

    Adds ``start_new_session=True`` (its own process group, for :func:`kill_tree`) and the
    PDEATHSIG setup; ``preexec_fn`` and ``shell`` are refused (one setup per child; never a shell).
    """
    if "preexec_fn" in kwargs or kwargs.get("shell"):
        raise ValueError("engine.proc.popen sets preexec_fn itself and never uses a shell")
    kwargs.setdefault("start_new_session", True)
    setup = _child_setup(os.getpid())
    argv = [str(a) for a in args]
    return _spawner.submit(lambda: subprocess.Popen(argv, preexec_fn=setup, **kwargs))


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the child and its process group (whatever it started), then reap it."""
    if proc.poll() is None:
        try:
            if os.getpgid(proc.pid) == proc.pid:  # leader of its own group: take the group down
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except ProcessLookupError:
            pass
    with contextlib.suppress(Exception):
        proc.wait()


def run_plain(
    args: Sequence[str], timeout: float | None = None, check: bool = False, text: bool = False
) -> subprocess.CompletedProcess:
    """A ``subprocess.run(args, capture_output=True, ...)`` look-alike for short queries (fc-match,
    ``ffmpeg -encoders``) whose callers expect subprocess's own exceptions (TimeoutExpired,
    CalledProcessError, OSError), through :func:`popen`."""
    proc = popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        kill_tree(proc)
        raise
    result = subprocess.CompletedProcess(list(args), proc.returncode, out, err)
    if check:
        result.check_returncode()
    return result


def run(
    args: Sequence[str],
    stage: str,
    cancel: CancelToken | None = None,
    input_bytes: bytes | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``args``; raise StageError(stage) with the tail of stderr if it fails."""
    proc = popen(
        list(args),
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    start = time.monotonic()
    try:
        if input_bytes is not None and cancel is None:
            out, err = proc.communicate(input_bytes, timeout=timeout)
        else:
            if input_bytes is not None:
                assert proc.stdin is not None
                proc.stdin.write(input_bytes)
                proc.stdin.close()
                proc.stdin = None
            while True:
                try:
                    out, err = proc.communicate(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set:
                        kill_tree(proc)
                        proc.communicate()
                        raise Cancelled("cancelled") from None
                    if timeout is not None and time.monotonic() - start > timeout:
                        kill_tree(proc)
                        proc.communicate()
                        raise StageError(stage, f"{args[0]} took longer than {timeout:.0f} s") from None
    except BaseException:
        kill_tree(proc)
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise StageError(stage, f"{args[0]} failed (exit {proc.returncode}): " + " | ".join(tail))
    return subprocess.CompletedProcess(list(args), proc.returncode, out, err)
