"""Bitrate choice: the worst-case file fits 50 MB for any reasonable length (computed, not encoded)."""

from __future__ import annotations

import pytest

from engine.errors import StageError
from engine.video.bitrate import LIMIT_BYTES, choose


@pytest.mark.parametrize("minutes", [0.5, 1.5, 5, 15, 30])
@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (1080, 1080)])
def test_worst_case_size_stays_under_50_mb(minutes: float, size: tuple[int, int]) -> None:
    seconds = minutes * 60
    enc = choose(seconds, size)
    assert enc.worst_case_bytes(seconds) <= LIMIT_BYTES
    assert enc.maxrate >= 100_000 and enc.bufsize == 2 * enc.maxrate


def test_short_videos_get_the_quality_ceiling_and_long_ones_less() -> None:
    short, long = choose(90, (1280, 720)), choose(25 * 60, (1280, 720))
    assert short.maxrate > long.maxrate
    assert short.maxrate == int(3_000_000 * 1280 * 720 / 1e6)
    assert short.audio_bps == 128_000 and long.audio_bps < 128_000


def test_impossible_length_is_a_clear_error() -> None:
    with pytest.raises(StageError, match="50 MB"):
        choose(10 * 3600, (1280, 720))
