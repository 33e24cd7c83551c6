"""Crash safety of a story folder (issue 12, first part), tested the way an operator breaks things.

The engine runs as its own process (tests/crash_driver.py: fake text/speech/images, the REAL video
assembly) and is SIGKILLed in the middle of the encode or of the narration. Then: no child of it may
be left running, a resumed run must deliver a video that decodes with zero errors, a half-written
attempt file is never taken as done, and a second runner on the same folder is turned away.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import proc
from engine.errors import FolderBusy, StageError
from engine.folder import attempt, attempt_path, clear_folder, folder_lock, remove_stale_attempts
from engine.story import Story
from engine.video.timeline import total_duration
from engine.video.verify import check_video

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "crash_driver.py"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PDEATHSIG are Linux")


# ---------------------------------------------------------------- /proc helpers


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) of a process, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _descendants(root: int) -> dict[int, int]:
    """pid → start time of every live descendant of ``root``."""
    children: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for pid in _all_pids():
        st = _stat(pid)
        if st is not None and st[0] != "Z":
            children.setdefault(st[1], []).append(pid)
            starts[pid] = st[2]
    found: dict[int, int] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def _still_alive(procs: dict[int, int]) -> list[int]:
    alive = []
    for pid, start in procs.items():
        st = _stat(pid)
        if st is not None and st[0] != "Z" and st[2] == start:
            alive.append(pid)
    return alive


def _naming(folder: Path) -> list[int]:
    """Live processes whose command line names the story folder (ffmpeg writing into it, ...)."""
    me = os.getpid()
    return [
        pid
        for pid in _all_pids()
        if pid != me and str(folder) in _cmdline(pid) and (_stat(pid) or ("Z",))[0] != "Z"
    ]


def _wait_for(what: Callable[[], object], timeout: float, step: float = 0.02) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(step)
    return None


# ---------------------------------------------------------------- driver helpers


def _driver(folder: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(folder), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(p: subprocess.Popen, timeout: float = 240) -> tuple[int, str]:
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out + err


def _kill_when_child(
    p: subprocess.Popen, marker: str, ready: Callable[[], bool] = lambda: True, timeout: float = 120
) -> dict[int, int]:
    """Wait until the driver has a child whose command line holds ``marker`` and ``ready()`` holds;
    SIGKILL the driver then and there; return the descendants it had at that moment."""

    def now() -> bool:
        return any(marker in _cmdline(c) for c in _descendants(p.pid)) and ready()

    found = _wait_for(now, timeout, 0.01)
    assert found, f"no child with {marker!r} appeared; driver said: {_finish(p, 60)[1][-2000:]}"
    family = _descendants(p.pid)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert family, "the child ended before the kill"
    return family


def _left_behind(family: dict[int, int], folder: Path) -> list[str]:
    """Command lines of the killed engine's children still running, or of anything naming its folder;
    waits up to 3 s for the kernel to deliver the SIGKILLs."""
    _wait_for(lambda: not _still_alive(family) and not _naming(folder), 3.0)
    return [_cmdline(pid) for pid in _still_alive(family) + _naming(folder)]


def _decode_errors(path: Path) -> list[str]:
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [ln for ln in result.stderr.splitlines() if ln.strip()] + (
        [] if result.returncode == 0 else ["rc"]
    )


def _attempt_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


# ---------------------------------------------------------------- the faults


def _encoding(folder: Path) -> Callable[[], bool]:
    """True once the encode has put bytes into its attempt file: the kill lands mid-encode."""
    return lambda: any(p.stat().st_size > 0 for p in folder.glob("story.*.part.mp4"))


ENCODE_ARGS = ("--scenes", "4", "--seconds", "8", "--size", "640x360")


def test_sigkill_during_encode_leaves_no_child_and_resume_delivers_a_clean_video(tmp_path: Path) -> None:
    folder = tmp_path / "k.story"

    family = _kill_when_child(_driver(folder, *ENCODE_ARGS), "-progress", _encoding(folder))
    assert _left_behind(family, folder) == []
    assert not (folder / "story.mp4").exists()  # the killed attempt never delivered anything
    assert "video" not in Story.load(folder / "story.json").done

    code, log = _finish(_driver(folder, *ENCODE_ARGS))
    assert code == 0, log[-3000:]
    assert _attempt_files(folder) == []  # the dead attempt's file was swept, the new one renamed
    assert _decode_errors(folder / "story.mp4") == []
    story = Story.load(folder / "story.json")
    assert story.video["checked"]["decode_errors"] == 0
    assert story.video["duration"] == pytest.approx(total_duration(story), abs=0.1)


def test_sigkill_during_narration_leaves_no_child_and_resume_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "n.story"
    args = ("--scenes", "2", "--seconds", "3", "--size", "320x180")
    family = _kill_when_child(_driver(folder, *args, "--slow-speech", "20"), "-re")
    assert _left_behind(family, folder) == []
    made = [p for p in (folder / "speech").glob("scene_*.wav") if ".part" not in p.name]
    assert made == []  # the killed narration left nothing under a real name

    code, log = _finish(_driver(folder, *args, "--slow-speech", "0.3"))
    assert code == 0, log[-3000:]
    assert _attempt_files(folder) == []
    assert _decode_errors(folder / "story.mp4") == []


def test_a_second_runner_on_the_same_folder_is_turned_away(tmp_path: Path) -> None:
    folder = tmp_path / "two.story"
    args = ("--scenes", "2", "--seconds", "3", "--size", "320x180")
    first = _driver(folder, *args, "--slow-speech", "5")  # holds the folder ~10 s
    assert _wait_for(lambda: any("-re" in _cmdline(c) for c in _descendants(first.pid)), 120, 0.02)
    started = time.monotonic()
    code, log = _finish(_driver(folder, *args), timeout=120)
    assert code == 3 and "busy:" in log and f"pid {first.pid}" in log, log[-2000:]
    assert time.monotonic() - started < 60  # turned away at once (the rest is interpreter start-up)
    code, log = _finish(first)
    assert code == 0, log[-3000:]
    story = Story.load(folder / "story.json")
    assert story.done.count("speech") == 1 and _decode_errors(folder / "story.mp4") == []


def test_a_half_written_attempt_is_never_taken_as_done(tmp_path: Path) -> None:
    folder = tmp_path / "h.story"
    args = ("--scenes", "2", "--seconds", "3", "--size", "320x180")
    code, log = _finish(_driver(folder, *args))
    assert code == 0, log[-3000:]
    good = (folder / "story.mp4").read_bytes()
    # A crash in the middle of a second video attempt: its file is half there, story.mp4 missing.
    story = Story.load(folder / "story.json")
    story.done.remove("video")
    story.save(folder / "story.json")
    (folder / "story.mp4").unlink()
    half = attempt_path(folder / "story.mp4")
    half.write_bytes(good[: len(good) // 2])
    (folder / "story.part.mp4").write_bytes(good[: len(good) // 3])  # the old fixed name, too
    (folder / "speech" / "scene_00.4242-7.part.wav").write_bytes(b"RIFF")
    with pytest.raises(StageError):
        check_video(half, story.scenes[-1].end, 25)

    code, log = _finish(_driver(folder, *args))
    assert code == 0, log[-3000:]
    assert _attempt_files(folder) == []
    assert _decode_errors(folder / "story.mp4") == []


# ---------------------------------------------------------------- the lock


def test_folder_lock_is_exclusive_across_threads_and_reentrant_within_one(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with folder_lock(tmp_path):
        with folder_lock(tmp_path):  # revoice → run_story
            pass

        def other() -> None:
            try:
                with folder_lock(tmp_path):
                    pass
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(errors) == 1 and isinstance(errors[0], FolderBusy)
    with folder_lock(tmp_path):  # released after the outermost exit
        pass


def test_folder_lock_is_freed_by_the_os_when_its_holder_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from engine.folder import folder_lock\n"
         "with folder_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)",
         str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy) as busy, folder_lock(tmp_path):
            pass
        assert f"pid {holder.pid}" in str(busy.value) and busy.value.hint
    finally:
        holder.kill()
        holder.wait()
    with folder_lock(tmp_path):  # no stale lock after a SIGKILL
        pass


def test_folder_busy_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(FolderBusy("/data/s1", "pid 7 on gpu-2", "wait")))
    assert isinstance(err, FolderBusy) and (err.folder, err.holder, err.hint) == (
        "/data/s1",
        "pid 7 on gpu-2",
        "wait",
    )
    assert str(err) == str(FolderBusy("/data/s1", "pid 7 on gpu-2"))


def test_cli_prints_folder_busy_as_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine import cli
    from engine.pipeline import _save_request
    from engine.story import StoryRequest

    folder = tmp_path / "b.story"
    folder.mkdir()
    _save_request(folder, StoryRequest("Жил-был кот"))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with folder_lock(folder):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(10)
        code = cli.main(["story", "--workdir", str(folder), "-o", str(tmp_path / "b.mp4"), "--quiet"])
    finally:
        release.set()
        t.join()
    assert code == 2
    assert "error: the story folder" in capsys.readouterr().err


def test_fresh_start_never_clears_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "story.json").write_text("{}")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with folder_lock(tmp_path):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(10)
        with pytest.raises(FolderBusy):
            clear_folder(tmp_path)
    finally:
        release.set()
        t.join()
    assert (tmp_path / "story.json").exists()
    clear_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".lock"]


# ---------------------------------------------------------------- attempt files


def test_attempt_renames_only_on_success_and_sweeping_spares_real_files(tmp_path: Path) -> None:
    final = tmp_path / "images" / "scene_00.png"
    with pytest.raises(RuntimeError), attempt(final) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert not final.exists() and not tmp.exists()
    with attempt(final) as tmp:
        assert tmp.suffix == ".png" and tmp.parent == final.parent and tmp != final
        tmp.write_bytes(b"whole")
    assert final.read_bytes() == b"whole"
    stale = [tmp_path / "story.123-4.part.mp4", tmp_path / "story.part.mp4", tmp_path / "speech.wav.part"]
    for p in stale:
        p.write_bytes(b"x")
    (tmp_path / "story.json").write_text("{}")
    (tmp_path / "download.zip.part").write_bytes(b"not ours")  # a --workdir may hold other files
    assert sorted(remove_stale_attempts(tmp_path)) == sorted(stale)
    assert (tmp_path / "download.zip.part").exists()
    assert final.exists() and (tmp_path / "story.json").exists()


# ---------------------------------------------------------------- children


def test_a_child_dies_with_the_process_even_after_the_thread_that_asked_for_it_ended() -> None:
    script = (
        "import threading, time\nfrom engine import proc\nout = []\n"
        "t = threading.Thread(target=lambda: out.append(proc.popen(['sleep', '60'])))\n"
        "t.start(); t.join()\nprint(out[0].pid, flush=True)\ntime.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(0.3)
        start = _stat(child)
        assert start is not None and start[0] != "Z"  # the asking thread is gone, the child lives on
    finally:
        parent.kill()
        parent.wait()
    assert _wait_for(lambda: not _still_alive({child: start[2]}), 3.0)


def test_kill_tree_takes_the_childs_own_children_too() -> None:
    p = proc.popen(["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    grandchild = int(p.stdout.readline())
    st = _stat(grandchild)
    assert st is not None
    proc.kill_tree(p)
    p.stdout.close()
    assert _wait_for(lambda: not _still_alive({grandchild: st[2]}), 3.0)


def test_cancelled_run_kills_its_child() -> None:
    from engine.errors import Cancelled
    from engine.progress import CancelToken

    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        proc.run(["sleep", "30"], stage="video", cancel=token)
    assert time.monotonic() - started < 5
    assert not [pid for pid in _descendants(os.getpid()) if "sleep 30" in _cmdline(pid)]


@pytest.mark.slow
def test_the_real_engine_killed_mid_encode_resumes_to_a_clean_video(tmp_path: Path) -> None:
    """The issue's own steps: `python -m engine story PROMPT -o k.mp4`, SIGKILL during the encode,
    the same command again, then `ffmpeg -v error -i k.mp4 -f null -` must print nothing."""
    out = tmp_path / "k.mp4"
    folder = out.with_suffix(".story")
    cmd = [sys.executable, "-m", "engine", "story", "Жил-был маленький дракон, который боялся темноты.",
           "-o", str(out), "--quiet", "--no-music", "--duration", "30"]  # fmt: skip
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    family = _kill_when_child(first, "-progress", _encoding(folder), timeout=900)
    assert _left_behind(family, folder) == []
    assert not out.exists() and not (folder / "story.mp4").exists()
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert second.returncode == 0, second.stderr[-3000:]
    assert _attempt_files(folder) == []
    assert _decode_errors(out) == []


_QUEUE_HOLDER = """
import asyncio, os, sys, time
from engine.queue import JobQueue

def work(progress, token):
    print("JOB", os.getpid(), flush=True)
    time.sleep(120)

async def main():
    q = JobQueue(workers=1, executor="process")
    await q.start()
    q.submit(1, 1, work)
    await asyncio.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_the_queues_job_process_and_manager_die_with_the_bot_process(tmp_path: Path) -> None:
    """SIGKILL of the process that owns the in-process queue takes its job process with it."""
    script = tmp_path / "holder.py"
    script.write_text(_QUEUE_HOLDER, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline()
        assert line.startswith("JOB "), line
        job_pid = int(line.split()[1])
        family = _descendants(holder.pid)
        assert job_pid in family and len(family) >= 2  # the job process and the manager
        holder.kill()
        holder.wait(10)
        _wait_for(lambda: not _still_alive(family), 10)
        assert not _still_alive(family)
    finally:
        if holder.poll() is None:
            holder.kill()
