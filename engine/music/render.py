"""MIDI -> WAV with FluidSynth and a General MIDI SoundFont, then trim, fade and level.

FluidR3_GM (Debian fluid-soundfont-gm, 148 MB) is preferred for quality; TimGM6mb (6 MB) works
everywhere and is what the tests use (``DIGITELLER_SOUNDFONT`` picks a file explicitly). The CLI is
run through ``engine.proc.run`` (argument list, cancellable). The rendered file is trimmed to the
piece plus a short tail, faded in and out so the score never starts or stops abruptly under the
narration, and levelled to -24 dBFS RMS (measured -20 to -22 LUFS integrated on sample pieces; the peak is
kept under -1 dBFS), so it already sits a few dB under a normal narration before the video block
ducks it under the voice.
"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np

from engine.errors import BackendUnavailable
from engine.folder import attempt, attempt_path
from engine.proc import run
from engine.progress import CancelToken
from engine.settings import settings

SOUNDFONT_DIRS = (
    Path("/usr/share/sounds/sf2"),
    Path("/usr/share/soundfonts"),
    Path("/usr/local/share/soundfonts"),
)
QUALITY_FONTS = ("FluidR3_GM.sf2", "FluidR3_GM.sf3", "default-GM.sf2", "default.sf2")
SMALL_FONTS = ("TimGM6mb.sf2",)
SAMPLE_RATE = 44100
TARGET_RMS = 10 ** (-24 / 20)  # measured -20..-22 LUFS on sample pieces: under a voice at -16..-20 LUFS
PEAK_LIMIT = 10 ** (-1 / 20)


def find_soundfont(prefer_small: bool = False) -> Path:
    """``DIGITELLER_SOUNDFONT`` if set, else FluidR3_GM (or TimGM6mb first when ``prefer_small``)."""
    explicit = settings().soundfont
    if explicit:
        path = explicit
        if not path.is_file():
            raise BackendUnavailable("fluidsynth", f"DIGITELLER_SOUNDFONT={explicit} is not a file")
        return path
    names = SMALL_FONTS + QUALITY_FONTS if prefer_small else QUALITY_FONTS + SMALL_FONTS
    for name in names:
        for folder in SOUNDFONT_DIRS:
            if (folder / name).is_file():
                return (folder / name).resolve()
    raise BackendUnavailable(
        "fluidsynth",
        "no General MIDI SoundFont found: `apt-get install fluid-soundfont-gm` (or timgm6mb-soundfont), "
        "or set DIGITELLER_SOUNDFONT",
    )


def fluidsynth_binary() -> str:
    found = shutil.which("fluidsynth")
    if not found:
        raise BackendUnavailable(
            "fluidsynth", "the fluidsynth program is missing: `apt-get install fluidsynth`"
        )
    return found


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
        raw = f.readframes(f.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    return np.frombuffer(raw, dtype="<i2").reshape(-1, channels).astype(np.float32) / 32768.0, rate


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    pcm = np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2")
    with attempt(path) as tmp, wave.open(str(tmp), "wb") as f:  # crash safety: renamed when complete
        f.setnchannels(pcm.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(pcm.tobytes())


def finish(
    audio: np.ndarray, rate: int, duration: float | None, fade_in: float, fade_out: float
) -> np.ndarray:
    """Trim to ``duration`` + the fade-out, apply raised-cosine fades, set the level."""
    if duration is not None:
        audio = audio[: int((duration + fade_out * 0.5) * rate)]
    audio = audio.copy()
    n = len(audio)
    for seconds, at_start in ((fade_in, True), (fade_out, False)):
        k = min(n, int(seconds * rate))
        if k <= 0:
            continue
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, k, dtype=np.float32))
        if at_start:
            audio[:k] *= ramp[:, None]
        else:
            audio[n - k :] *= ramp[::-1, None]
    rms = float(np.sqrt(np.mean(np.square(audio)))) if n else 0.0
    if rms > 1e-6:
        audio *= TARGET_RMS / rms
    peak = float(np.abs(audio).max()) if n else 0.0
    if peak > PEAK_LIMIT:
        audio *= PEAK_LIMIT / peak
    return audio


def render(
    midi: Path,
    wav: Path,
    soundfont: Path,
    duration: float | None = None,
    fade_in: float = 1.5,
    fade_out: float = 3.0,
    cancel: CancelToken | None = None,
) -> Path:
    raw = attempt_path(wav.with_name(wav.stem + ".raw.wav"))  # crash safety: this attempt's own file
    wav.parent.mkdir(parents=True, exist_ok=True)
    args = [
        fluidsynth_binary(),
        "-ni",
        "-q",
        "-g",
        "0.6",
        "-r",
        str(SAMPLE_RATE),
        "-F",
        str(raw),
        str(soundfont),
        str(midi),
    ]
    try:
        run(args, stage="music", cancel=cancel, timeout=600)
        audio, rate = read_wav(raw)
    finally:
        raw.unlink(missing_ok=True)
    write_wav(wav, finish(audio, rate, duration, fade_in, fade_out), rate)
    return wav
