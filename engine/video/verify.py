"""The finished video is checked before it counts as done: frame-accurate count, then one full decode.

ffmpeg exiting 0 is not proof of a good file (a second writer on the same file, a full disk seen
late, a killed muxer's leftovers picked up by a resumed run all once looked like success). So the
encode's attempt file must pass two checks before it is renamed to ``story.mp4``:

1. **Frames**: the video stream's packets, counted by ffprobe (demux only, ~0.1 s), times the frame
   duration must match the expected duration to a frame or two; and there must be an audio stream.
2. **Decode**: ``ffmpeg -v error -i X -f null -`` decodes every stream once and must print no
   error line. It costs a few percent of the encode (measured in the crash-safety README section).
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.errors import StageError
from engine.proc import run
from engine.progress import CancelToken

#: Frames the stream may differ from round(duration × fps) (the encode is cut with -t).
FRAME_SLACK = 2


def count_frames(path: Path) -> tuple[int, int]:
    """(video packets, audio packets) as the demuxer reads them."""
    out = run(
        ["ffprobe", "-v", "error", "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets",
         "-of", "json", "file:" + str(Path(path).resolve())],
        stage="video",
        timeout=120,
    ).stdout  # fmt: skip
    streams = json.loads(out.decode("utf-8", "replace") or "{}").get("streams", [])
    counts = {"video": 0, "audio": 0}
    for s in streams:
        if s.get("codec_type") in counts:
            counts[s["codec_type"]] += int(s.get("nb_read_packets") or 0)
    return counts["video"], counts["audio"]


def decode_errors(path: Path, cancel: CancelToken | None = None) -> list[str]:
    """Every error line from decoding the whole file once (an empty list: it decodes cleanly)."""
    result = run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "file:" + str(Path(path).resolve()),
         "-f", "null", "-"],
        stage="video",
        cancel=cancel,
        timeout=600,
    )  # fmt: skip
    return [ln for ln in result.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]


def check_video(
    path: Path, duration: float, fps: float, cancel: CancelToken | None = None, decode: bool = True
) -> dict[str, float | int]:
    """Raise StageError unless ``path`` holds ``duration`` s of video at ``fps`` plus audio and
    (with ``decode``) decodes without one error. Returns the figures checked."""
    expected = round(duration * fps)
    frames, audio_packets = count_frames(path)
    if abs(frames - expected) > FRAME_SLACK or audio_packets == 0:
        raise StageError(
            "video",
            f"the encoded file is incomplete: {frames} frames (expected {expected}), "
            f"{audio_packets} audio packets",
        )
    errors = decode_errors(path, cancel) if decode else []
    if errors:
        raise StageError(
            "video", f"the encoded file does not decode cleanly ({len(errors)} errors): {errors[0][:200]}"
        )
    return {"frames": frames, "expected_frames": expected, "decode_errors": len(errors)}
