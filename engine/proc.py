"""Run external programs (ffmpeg, RHVoice, fluidsynth) safely: argument lists only, never a shell,
killed promptly on cancellation, with stderr kept for the error message."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence

from engine.errors import Cancelled, StageError
from engine.progress import CancelToken


def run(
    args: Sequence[str],
    stage: str,
    cancel: CancelToken | None = None,
    input_bytes: bytes | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``args``; raise StageError(stage) with the tail of stderr if it fails."""
    proc = subprocess.Popen(
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
                        proc.kill()
                        proc.communicate()
                        raise Cancelled("cancelled") from None
                    if timeout is not None and time.monotonic() - start > timeout:
                        proc.kill()
                        proc.communicate()
                        raise StageError(stage, f"{args[0]} took longer than {timeout:.0f} s") from None
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise StageError(stage, f"{args[0]} failed (exit {proc.returncode}): " + " | ".join(tail))
    return subprocess.CompletedProcess(list(args), proc.returncode, out, err)
