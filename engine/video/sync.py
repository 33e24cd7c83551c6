"""Keeping subtitles in step with the voice: find the pauses in a narration wav and move each cue
change onto the pause where the speaker really stopped.

Cue times first come from the text's length (speech runs at a roughly steady pace), which drifts
within a long scene: one sentence is read faster than another, a comma gets a breath. TTS voices
pause clearly between sentences, and our cues end at sentences where they can, so snapping each
cue boundary to the nearest clear pause puts the change where the listener hears it.
"""

from __future__ import annotations

import wave
from pathlib import Path

#: Loudness analysis window (seconds).
WINDOW = 0.02
#: A window is silent when it is this many dB below the loud part of the speech.
SILENCE_BELOW_DB = 30.0
#: Shorter silences are gaps inside words (stops, plosives), not pauses.
MIN_PAUSE = 0.18
#: Never make a cue shorter than this by snapping.
MIN_CUE = 0.6


def find_pauses(path: Path) -> list[tuple[float, float]]:
    """(start, end) seconds of each pause in a 16-bit PCM wav; [] when the file can't be read."""
    import numpy as np  # only here: importing engine.video stays light

    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                return []
            rate, channels = wav.getframerate(), wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
    except (OSError, wave.Error, EOFError):
        return []
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    hop = max(1, int(rate * WINDOW))
    count = len(samples) // hop
    if count < 3:
        return []
    frames = samples[: count * hop].reshape(count, hop)
    level = 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    loud = float(np.percentile(level, 90))
    silent = level < loud - SILENCE_BELOW_DB
    pauses: list[tuple[float, float]] = []
    start = None
    for i, quiet in enumerate([*silent.tolist(), False]):
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if (i - start) * WINDOW >= MIN_PAUSE:
                pauses.append((start * WINDOW, i * WINDOW))
            start = None
    return pauses


def snap_boundaries(bounds: list[float], pauses: list[tuple[float, float]]) -> list[float]:
    """Move the inner boundaries of consecutive cues (``bounds`` = start of each cue, then the last
    end) onto pauses: a long pause near the estimate wins; each boundary moves to where speech
    resumes, within its neighbours (keeping every cue at least MIN_CUE long)."""
    out = list(bounds)
    for k in range(1, len(out) - 1):
        lo, hi = out[k - 1] + MIN_CUE, out[k + 1] - MIN_CUE
        best: tuple[float, float] | None = None
        for p_start, p_end in pauses:
            if not lo <= p_end <= hi:
                continue
            score = (p_end - p_start) - 0.1 * abs((p_start + p_end) / 2 - out[k])
            if best is None or score > best[0]:
                best = (score, p_end)
        if best is not None:
            out[k] = round(best[1], 3)
    return out
