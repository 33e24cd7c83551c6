"""Mono float audio in memory: read/write wav, resample, trim silence, join with pauses.

Every backend's output is brought to one project-wide sample rate (``SAMPLE_RATE``) so that lines
from different voices can be joined sample-exactly and the video block never has to guess. 24 kHz
is RHVoice's native rate (the Russian default, most of our audio) and one Silero supports; Piper
and espeak-ng (22.05 kHz) are resampled up to it.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from engine.folder import attempt_path

SAMPLE_RATE = 24_000


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a PCM wav as mono float32 in [-1, 1] and its sample rate (channels are averaged)."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise ValueError(f"{path.name}: unsupported sample width {width}")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data, rate


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Write mono 16-bit PCM; returns the duration in seconds. Clips rather than wraps around."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    tmp = attempt_path(path)  # crash safety: this attempt's own file (engine/folder.py)
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    tmp.replace(path)  # a cancelled job never leaves a truncated wav under the real name
    return len(pcm) / rate


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling through the spectrum (exact for whole clips, no extra dependency).

    Clips are short (one line of speech) and start and end in near-silence, so the FFT method's
    circular edge effects are inaudible; padding by a few milliseconds makes them vanish entirely.
    """
    if rate == target or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    pad = int(rate * 0.02)
    padded = np.concatenate(
        [np.zeros(pad, np.float32), samples.astype(np.float32), np.zeros(pad, np.float32)]
    )
    n_out = round(padded.size * target / rate)
    spectrum = np.fft.rfft(padded)
    out = np.fft.irfft(spectrum, n_out) * (n_out / padded.size)
    cut = round(pad * target / rate)
    return out[cut : n_out - cut].astype(np.float32)


def trim_silence(samples: np.ndarray, rate: int = SAMPLE_RATE, floor_db: float = -50.0, keep: float = 0.03):
    """Cut leading/trailing silence (below ``floor_db`` dBFS in 10 ms frames), keeping ``keep`` s.

    TTS engines pad their output unevenly (RHVoice adds ~0.2 s, Piper almost none); trimming first
    lets the narration block choose every pause itself.
    """
    frame = max(1, rate // 100)
    n = samples.size // frame
    if n == 0:
        return samples
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(20 * np.log10(rms) > floor_db)[0]
    if loud.size == 0:
        return samples[:0]
    margin = int(keep * rate)
    start = max(0, loud[0] * frame - margin)
    end = min(samples.size, (loud[-1] + 1) * frame + margin)
    return samples[start:end]


def silence(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    return np.zeros(max(0, round(seconds * rate)), dtype=np.float32)


def fade(samples: np.ndarray, rate: int = SAMPLE_RATE, seconds: float = 0.005) -> np.ndarray:
    """Short raised-cosine fades so that joined clips never click at the seams."""
    n = min(samples.size // 2, round(seconds * rate))
    if n <= 0:
        return samples
    out = samples.copy()
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, dtype=np.float32))
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def stats(samples: np.ndarray, rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Cheap facts for checks and reports: duration, peak and RMS in dBFS, share of voiced frames."""
    frame = max(1, rate // 100)
    n = samples.size // frame
    voiced = 0.0
    if n:
        rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
        voiced = float(np.mean(20 * np.log10(rms) > -40.0))
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    rms_all = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    return {
        "duration": samples.size / rate,
        "peak_db": 20 * np.log10(peak + 1e-12),
        "rms_db": 20 * np.log10(rms_all + 1e-12),
        "voiced": voiced,
    }
