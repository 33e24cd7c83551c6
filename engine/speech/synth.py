"""``synthesize``: one text, one voice, one wav at the project's sample rate, loudness-normalised.

The steps every backend shares live here so that the backends stay thin: drop dialogue quotes and
dashes, normalise the text with the backend's policy, synthesise, resample to ``SAMPLE_RATE``,
trim the engine's own leading/trailing silence, normalise loudness, write.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import BackendUnavailable, Cancelled, StageError
from engine.progress import CancelToken, StageReporter
from engine.speech import loudness
from engine.speech.audio import SAMPLE_RATE, fade, resample, silence, trim_silence, write_wav
from engine.speech.backends import get_backend
from engine.speech.dialogue import speakable
from engine.speech.normalize import normalize

EMPTY_LINE_PAUSE = 0.3  # a line with nothing speakable (only emoji, say) becomes a short pause


@dataclass(frozen=True)
class VoiceRef:
    backend: str
    voice: str  # the backend's own name for it
    lang: str


def parse_voice(voice_id: str) -> VoiceRef:
    """ "rhvoice:anna" → (rhvoice, anna, ru). Unknown ids are a clear StageError, never a KeyError."""
    from engine.speech.voices import find

    backend, _, rest = (voice_id or "").partition(":")
    m = re.fullmatch(r"(ru|en)(\+[mf][1-7])?", rest) if backend == "espeak" else None
    if m:  # "espeak:ru", or with a variant ("espeak:ru+f3": female) for characters of an espeak story
        return VoiceRef("espeak", rest, m.group(1))
    if backend == "silero" and rest.count(":") == 1:
        lang, speaker = rest.split(":")
        return VoiceRef("silero", speaker, lang)
    info = find(voice_id) if backend in ("rhvoice", "piper") else None
    if info is None:
        raise StageError("speech", f"unknown voice {voice_id!r}", hint="python -m engine voices lists them")
    return VoiceRef(backend, rest, info.lang)


@dataclass
class SynthResult:
    duration: float  # seconds written
    compute: float  # seconds spent, for real-time-factor figures
    spoken: str  # the normalised text the voice received


def synthesize_to(
    text: str,
    voice_id: str,
    out_wav: Path,
    report: StageReporter | None = None,
    cancel: CancelToken | None = None,
) -> SynthResult:
    """Like ``synthesize`` but also says how long it took and what text the voice really got."""
    ref = parse_voice(voice_id)
    backend = get_backend(ref.backend)
    spoken = normalize(speakable(text), ref.lang, backend.policy())
    started = time.perf_counter()
    if report is not None:
        report(0.0, f"{voice_id}: {spoken[:40]}")
    if not spoken:
        samples = silence(EMPTY_LINE_PAUSE)
    else:
        cancel = cancel or (report.cancel if report is not None else None)
        try:
            raw, rate = backend.synth(spoken, ref.voice, ref.lang, cancel)
        except (BackendUnavailable, StageError, Cancelled):
            raise
        except Exception as exc:  # a library's own error becomes the stage's, with the voice named
            raise StageError("speech", f"{voice_id} failed: {type(exc).__name__}: {exc}") from exc
        samples = trim_silence(resample(raw, rate, SAMPLE_RATE))
        if samples.size == 0:
            raise StageError("speech", f"{voice_id} produced no audible speech for {spoken[:60]!r}")
        samples, _ = loudness.normalize(fade(samples), SAMPLE_RATE)
    duration = write_wav(out_wav, np.asarray(samples, dtype=np.float32), SAMPLE_RATE)
    if report is not None:
        report(1.0, voice_id)
    return SynthResult(duration, time.perf_counter() - started, spoken)


def synthesize(text: str, voice_id: str, out_wav: Path, report: StageReporter | None = None) -> float:
    """Speak ``text`` with ``voice_id`` into ``out_wav`` (mono, 16-bit, SAMPLE_RATE); returns seconds."""
    return synthesize_to(text, voice_id, out_wav, report).duration


def warm_up(voice_id: str) -> None:
    """Load the voice's engine/model now (Piper's ONNX session takes ~3 s of CPU, Silero's package
    more), so that the first line of a story does not pay for it. Safe to run in a background
    thread while another stage works; unavailable voices are ignored here (narrate reports them)."""
    try:
        ref = parse_voice(voice_id)
        get_backend(ref.backend).warm_up(ref.voice, ref.lang)
    except (BackendUnavailable, StageError):
        pass
