"""A story folder is owned by one runner at a time, and nothing half-written in it ever counts.

A story job resumes from its folder after any crash, and in the bot any worker may pick a job up
again, so two rules keep the folder sound:

* **One runner.** :func:`folder_lock` holds ``fcntl.flock`` on ``<folder>/.lock`` for the whole
  run. The OS drops the lock the moment its holder dies (SIGKILL and OOM included), so a crashed
  runner never blocks the folder, and a second runner that arrives while the first is alive gets
  :class:`engine.errors.FolderBusy` at once instead of working beside it. flock works across
  processes on one machine and across machines on a shared volume whose filesystem supports it:
  local filesystems, NFSv4, NFSv3 only with the lock manager (``lockd``/``rpc.statd``) running —
  without it Linux answers ENOLCK and the run stops with a clear error rather than running
  unlocked. The lock file is never deleted (deleting it would let a newcomer lock a fresh inode
  while the old holder still works); a holder checks after locking that the path still names the
  inode it locked. Its descriptor is close-on-exec, so children (ffmpeg, …) never inherit the lock
  (a bare ``fork`` without exec would share it: the bot's job process is *spawned*).
* **Attempt files.** Every stage writes a file under a name of its own attempt,
  ``<stem>.<pid>-<n>.part<suffix>`` (:func:`attempt`), and renames it over the real name
  (``os.replace``, atomic on POSIX) only once it is complete and checked. So a reader sees the old
  file or the new one, never half of one, and two attempts never write the same bytes. Attempt
  files are only left behind by a crash; the next runner, holding the lock, deletes them first
  (:func:`remove_stale_attempts`). Durability across power loss (fsync) is not attempted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import inspect
import itertools
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from engine.errors import EngineError, FolderBusy

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"

#: ``name.<pid>-<n>.part.ext`` (ours) and the fixed temp names some writers used before
#: (``x.wav.part``, ``x.part.png``, ``story.part.mp4``, ``x.tmp.png``, ``story.json.tmp``) — nothing
#: broader, so a ``--workdir`` pointed at a folder with other files (a browser's ``x.zip.part``)
#: never loses them.
_ATTEMPT = re.compile(
    r"(\.\d+-\d+\.part(\.[A-Za-z0-9]+)?|\.wav\.part|\.part\.png|^story\.part\.mp4|\.tmp\.png|\.json\.tmp)$"
)
_counter = itertools.count(1)

F = TypeVar("F", bound=Callable[..., Any])


def attempt_path(final: Path) -> Path:
    """A name for one attempt at writing ``final``, unique per process and call, same folder (so the
    rename is atomic) and same suffix (ffmpeg, Pillow and fluidsynth pick the format from it)."""
    final = Path(final)
    return final.with_name(f"{final.stem}.{os.getpid()}-{next(_counter)}.part{final.suffix}")


@contextlib.contextmanager
def attempt(final: Path) -> Iterator[Path]:
    """Yield an attempt name for ``final``; move it into place if the block exits normally, delete
    it if anything raises. Check the file inside the block: leaving it means "complete and good"."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = attempt_path(final)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, final)


def is_attempt_file(path: Path) -> bool:
    return bool(_ATTEMPT.search(path.name))


def remove_stale_attempts(folder: Path) -> list[Path]:
    """Delete every attempt file under ``folder``; call only while holding its lock (then no live
    runner is writing any of them). Returns what was removed."""
    removed = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and is_attempt_file(path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    if removed:
        log.info("removed %d unfinished file(s) of an earlier attempt in %s", len(removed), folder)
    return removed


class _Held:
    """This process's holdings: folder → (owning thread, depth, fd); re-entry by the same thread only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_folder: dict[str, list[int]] = {}


_held = _Held()


def _who() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}"


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
    return ""


def _acquire(folder: Path) -> int:
    """Open and flock the lock file (non-blocking); the fd of a lock on the inode the path names."""
    path = folder / LOCK_NAME
    for _ in range(5):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise FolderBusy(str(folder), holder) from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise EngineError(
                    f"cannot lock the story folder {folder}: {exc.strerror}. The data volume must support "
                    "flock (on NFS, run the lock manager lockd)."
                ) from exc
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (_who() + "\n").encode(), 0)
            return fd
        os.close(fd)  # the folder was cleared under us: lock the new file
    raise EngineError(f"the lock file in {folder} keeps being replaced; is something deleting the folder?")


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the story folder for the duration of the block, or raise FolderBusy at once.

    Re-entrant for the thread that holds it (``revoice`` calls ``run_story``); another thread of
    the same process is refused like another process. The first (outermost) acquisition deletes
    the attempt files a crashed runner left.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(folder)
    me = threading.get_ident()
    with _held.lock:
        entry = _held.by_folder.get(key)
        if entry is not None:
            if entry[0] != me:
                raise FolderBusy(str(folder), f"another thread of this process, pid {os.getpid()}")
            entry[1] += 1
            fd = -1
        else:
            fd = _acquire(folder)
            _held.by_folder[key] = [me, 1, fd]
    try:
        if fd != -1:
            remove_stale_attempts(folder)
        yield
    finally:
        with _held.lock:
            entry = _held.by_folder[key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held.by_folder[key]
                with contextlib.suppress(OSError):
                    os.ftruncate(entry[2], 0)
                os.close(entry[2])  # closing the last descriptor releases the flock


def exclusive(func: F) -> F:
    """Run ``func`` holding :func:`folder_lock` on its ``folder`` argument (found by name)."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        folder = signature.bind(*args, **kwargs).arguments["folder"]
        with folder_lock(Path(folder)):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def clear_folder(folder: Path) -> None:
    """Empty a story folder for a fresh start, holding its lock (so never under a live runner)."""
    folder = Path(folder)
    if not folder.exists():
        return
    with folder_lock(folder):
        for child in folder.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
