"""Audio plumbing: resampling, trimming, wav round trip, loudness measured against ffmpeg."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from engine.speech.audio import SAMPLE_RATE, read_wav, resample, stats, trim_silence, write_wav
from engine.speech.loudness import integrated_loudness, limit_peaks, normalize


def tone(freq: float, seconds: float, rate: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def speechlike(seconds: float = 6.0, rate: int = SAMPLE_RATE, seed: int = 1) -> np.ndarray:
    """Noise bursts with pauses and a varying envelope: loudness gating matters for it, as for speech."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.1, int(seconds * rate)).astype(np.float32)
    env = (np.sin(np.linspace(0, 12 * np.pi, x.size)) > -0.3).astype(np.float32)
    env *= np.linspace(0.3, 1.0, x.size, dtype=np.float32)
    return x * env + tone(220, seconds, rate, 0.05)


def test_resample_keeps_frequency_and_duration():
    src = tone(440, 1.0, 22_050)
    out = resample(src, 22_050, SAMPLE_RATE)
    assert abs(out.size - SAMPLE_RATE) <= 1
    spectrum = np.abs(np.fft.rfft(out))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / out.size
    assert abs(peak_hz - 440) < 2


def test_trim_silence_and_wav_round_trip(tmp_path):
    x = np.concatenate([np.zeros(SAMPLE_RATE), tone(300, 0.5, SAMPLE_RATE), np.zeros(SAMPLE_RATE)])
    trimmed = trim_silence(x)
    assert 0.5 <= trimmed.size / SAMPLE_RATE <= 0.6
    path = tmp_path / "x.wav"
    assert write_wav(path, trimmed) == pytest.approx(trimmed.size / SAMPLE_RATE)
    back, rate = read_wav(path)
    assert rate == SAMPLE_RATE and np.max(np.abs(back - trimmed)) < 1e-3


def test_limiter_holds_the_ceiling_without_hard_clipping():
    x = tone(200, 1.0, SAMPLE_RATE, 0.9)
    out = limit_peaks(x, SAMPLE_RATE, -6.0)
    assert np.max(np.abs(out)) <= 10 ** (-6 / 20) + 1e-6
    assert stats(out)["voiced"] > 0.9


def test_normalize_reaches_target_loudness():
    x = speechlike() * 0.2
    out, before = normalize(x, SAMPLE_RATE, target=-16.0, ceiling_db=-1.0)
    assert before < -20
    assert integrated_loudness(out, SAMPLE_RATE) == pytest.approx(-16.0, abs=0.5)
    assert np.max(np.abs(out)) <= 10 ** (-1 / 20) + 1e-6


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
@pytest.mark.parametrize("rate", [SAMPLE_RATE, 48_000])
def test_loudness_agrees_with_ffmpeg_ebur128(tmp_path, rate):
    x = speechlike(rate=rate)
    path = tmp_path / "x.wav"
    write_wav(path, x, rate)
    x16, _ = read_wav(path)
    res = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    ffmpeg_lufs = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", res.stderr)[-1])
    assert integrated_loudness(x16, rate) == pytest.approx(ffmpeg_lufs, abs=0.3)


def test_silence_measures_minus_infinity():
    assert integrated_loudness(np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE) == float("-inf")
