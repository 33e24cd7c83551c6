"""Choosing encoder settings so the mp4 stays under Telegram's 50 MB for any story length.

x264 runs at constant quality (CRF) capped by VBV: over any stretch of the video the bits stay
below ``maxrate × time + bufsize``. So the worst-case file is exactly computable:
``(maxrate × T + bufsize + audio × T) / 8`` plus the mp4 container's overhead. We pick the largest
maxrate whose worst case fits the budget, and never more than a quality ceiling per resolution
(slow pans over still pictures don't need more), so short videos stay small too.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import StageError
from engine.settings import MAX_VIDEO_BYTES

#: Telegram bots may send files up to 50 MB (engine.settings.MAX_VIDEO_BYTES, the one limit); keep
#: a margin for the moov atom and muxing.
LIMIT_BYTES = MAX_VIDEO_BYTES
BUDGET_BYTES = int(LIMIT_BYTES * 0.94)
#: mp4 overhead per second (sample tables, ~a few kB/s at 25 fps + AAC) — generous on purpose.
CONTAINER_BYTES_PER_SECOND = 1500
#: Constant-quality target; the VBV cap only bites on long stories.
CRF = 23
#: Highest video bitrate we ever need (bits/s per pixel per frame is tiny for Ken Burns on stills).
MAX_VIDEO_BPS_PER_MEGAPIXEL = 3_000_000
MIN_VIDEO_BPS = 100_000
#: Audio gives way (128 → 48 kb/s) before the picture drops below this.
COMFORT_VIDEO_BPS = 400_000
AUDIO_BPS_STEPS = (128_000, 96_000, 64_000, 48_000)


@dataclass(frozen=True)
class Encoding:
    crf: int
    maxrate: int  # video bits/s cap
    bufsize: int  # VBV buffer, bits
    audio_bps: int

    def worst_case_bytes(self, duration: float) -> int:
        bits = self.maxrate * duration + self.bufsize + self.audio_bps * duration
        return int(bits / 8 + CONTAINER_BYTES_PER_SECOND * duration)


def choose(duration: float, size: tuple[int, int], budget: int = BUDGET_BYTES) -> Encoding:
    """The best-quality settings whose worst-case file for ``duration`` seconds fits ``budget`` bytes."""
    duration = max(1.0, duration)
    ceiling = int(MAX_VIDEO_BPS_PER_MEGAPIXEL * size[0] * size[1] / 1e6)
    options = []
    for audio in AUDIO_BPS_STEPS:
        # maxrate*T + 2*maxrate (bufsize = 2 s of maxrate) + audio*T + overhead*8*T <= 8*budget
        room = 8 * budget - audio * duration - 8 * CONTAINER_BYTES_PER_SECOND * duration
        maxrate = min(ceiling, int(room / (duration + 2.0)))
        if maxrate >= MIN_VIDEO_BPS:
            options.append(Encoding(CRF, maxrate, 2 * maxrate, audio))
    if options:
        comfortable = [e for e in options if e.maxrate >= COMFORT_VIDEO_BPS]
        enc = comfortable[0] if comfortable else options[-1]
        assert enc.worst_case_bytes(duration) <= budget
        return enc
    raise StageError(
        "video",
        f"a {duration / 60:.0f}-minute video cannot fit in 50 MB at a watchable quality",
        hint="Ask for a shorter story.",
    )
