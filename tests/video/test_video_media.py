"""engine.video.media: the one ffprobe wrapper and the one "re-encode to fit a byte budget"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from engine.errors import StageError
from engine.settings import MAX_VIDEO_BYTES
from engine.video.media import MediaInfo, fit_to_bytes, probe

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def noisy_video(path: Path, seconds: float = 3.0) -> Path:
    """A hard-to-compress clip (random noise at a high bitrate) with a sine soundtrack."""
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"nullsrc=s=320x240:d={seconds},geq=random(1)*255:128:128",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def test_probe_gives_media_info(tmp_path: Path) -> None:
    info = probe(noisy_video(tmp_path / "a.mp4"))
    assert isinstance(info, MediaInfo)
    assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "aac", 320, 240)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.as_dict()["size_bytes"] == info.size_bytes == (tmp_path / "a.mp4").stat().st_size


def test_fit_to_bytes_reencodes_under_the_budget(tmp_path: Path) -> None:
    src = noisy_video(tmp_path / "big.mp4")
    budget = src.stat().st_size // 4
    out = fit_to_bytes(src, tmp_path / "small.mp4", budget)
    assert (tmp_path / "small.mp4").stat().st_size == out.size_bytes <= budget
    assert out.video_codec == "h264" and out.duration == pytest.approx(3.0, abs=0.2)
    assert not list(tmp_path.glob("*.part*"))


def test_fit_to_bytes_copies_a_file_that_already_fits(tmp_path: Path) -> None:
    src = noisy_video(tmp_path / "a.mp4", seconds=1.0)
    out = fit_to_bytes(src, tmp_path / "copy.mp4", MAX_VIDEO_BYTES)
    assert (tmp_path / "copy.mp4").read_bytes() == src.read_bytes() and out.size_bytes == src.stat().st_size


def test_fit_to_bytes_refuses_an_impossible_budget(tmp_path: Path) -> None:
    src = noisy_video(tmp_path / "a.mp4")
    with pytest.raises(StageError):
        fit_to_bytes(src, tmp_path / "tiny.mp4", 2_000)


def test_one_size_limit_is_telegrams_smaller_reading() -> None:
    assert MAX_VIDEO_BYTES == 50_000_000 < 50 * 2**20
