"""`python -m engine.speech.measure`: real-time factor of each available TTS backend on this machine.

RTF here = seconds of speech produced per second of compute (higher is faster; > 1 means faster
than real time). The first call of a backend is timed separately as its load/warm-up, because the
engine keeps models loaded between lines and scenes. Each written wav is also checked by measuring
it (duration, share of voiced 10 ms frames, loudness), the listen-check a machine can do.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engine.speech.audio import read_wav, stats
from engine.speech.loudness import integrated_loudness
from engine.speech.synth import synthesize_to
from engine.speech.voices import find

TEXTS = {
    "ru": (
        "Жила-была маленькая лиса. Каждое утро она выходила из норы и слушала, как поют птицы. "
        "Однажды она нашла в лесу старый ключ и решила узнать, какую дверь он открывает."
    ),
    "en": (
        "Once upon a time there lived a little fox. Every morning she left her den and listened to the "
        "birds. One day she found an old key in the forest and decided to find the door it opened."
    ),
}
DEFAULT_VOICES = (
    "rhvoice:anna",
    "rhvoice:aleksandr-hq",
    "rhvoice:slt",
    "piper:joe",
    "espeak:ru",
    "espeak:en",
)


def measure(voice_id: str, repeats: int = 2) -> dict[str, float] | None:
    info = find(voice_id)
    if info is None or not info.available:
        return None
    text = TEXTS[info.lang]
    with tempfile.TemporaryDirectory(prefix="dt-measure-") as tmp:
        out = Path(tmp) / "m.wav"
        started = time.perf_counter()
        synthesize_to("Начало." if info.lang == "ru" else "Start.", voice_id, out)  # load / warm-up
        warmup = time.perf_counter() - started
        audio = compute = 0.0
        for _ in range(repeats):
            result = synthesize_to(text, voice_id, out)
            audio += result.duration
            compute += result.compute
        samples, rate = read_wav(out)
        s = stats(samples, rate)
    return {
        "warmup_s": warmup,
        "audio_s": audio / repeats,
        "compute_s": compute / repeats,
        "rtf": audio / compute,
        "voiced": s["voiced"],
        "lufs": integrated_loudness(samples, rate),
        "words_per_s": len(text.split()) / (audio / repeats),
        "chars_per_s": len(text) / (audio / repeats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("voices", nargs="*", default=list(DEFAULT_VOICES))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(
        f"{'voice':24} {'warm-up s':>9} {'speech s':>8} {'compute s':>9} {'RTF':>6} {'words/s':>7} "
        f"{'chars/s':>7} {'voiced':>6} {'LUFS':>6}"
    )
    for voice_id in args.voices:
        row = measure(voice_id, args.repeats)
        if row is None:
            print(f"{voice_id:24} unavailable")
            continue
        print(
            f"{voice_id:24} {row['warmup_s']:9.2f} {row['audio_s']:8.2f} {row['compute_s']:9.2f} "
            f"{row['rtf']:6.1f} {row['words_per_s']:7.2f} {row['chars_per_s']:7.1f} "
            f"{row['voiced']:6.2f} {row['lufs']:6.1f}"
        )


if __name__ == "__main__":
    main()
