"""A background score for a given length: model-written melody + a simple accompaniment.

The model writes folk-tune-length pieces (it learnt EOS from whole songs). For a 75 s story we let
it write tunes one after another (each at least 4 bars; the last one cut at the target length;
written in the story's key by the key-conditioned model, and the best of up to 4 samples for the
wanted mode, see ``generate_in_mode``), move every tune to the
story's key (found with ``harmony.find_key``) and register, and join them on a beat. Each tune
gets one diatonic chord per bar (``harmony.chords_for``), played by a chord instrument in the
mood's texture (sustained pad, broken-chord arpeggio, or a pulse on every beat) over a bass on the
chord root. The melody keeps the model's accent velocities; the accompaniment sits under it.
FluidSynth renders it in ``render``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.music import vocab
from engine.music.harmony import Chord, chords_for, find_key
from engine.music.style import Style, style_for

MAJOR_TONICS = (0, 2, 5, 7, 10)  # C D F G Bb: comfortable for every melody instrument
MINOR_TONICS = (9, 2, 4, 7, 0)  # A D E G C
MIN_TUNE_STEPS = 64  # a tune may end (EOS) only after 4 bars of 4/4
CANDIDATES = 4  # at most this many tunes are sampled per slot; the best fit to the mode is kept
CLEAR_MARGIN = 0.05  # a tune whose wanted-mode key correlates this much better is taken at once


def generate_in_mode(
    model,
    mode: str,
    tempo: str,
    settings,
    seed: int,
    candidates: int = CANDIDATES,
    tonic: int | None = None,
):
    """Sample up to ``candidates`` tunes in the key (``tonic``, ``mode``) and keep the one whose pitch
    content correlates best with a key of the wanted ``mode`` (Krumhansl-Schmuckler,
    ``harmony.find_key``).

    Why: the first checkpoint ignored its mode token, so picking among samples was what steered
    major/minor. The key-conditioned checkpoint follows the mode by itself (see metrics.json), so
    the first sample is usually clearly in the wanted mode and sampling stops there; the selection
    stays as a cheap guard for the odd tune that is not.
    Returns (events, notes, tokens generated in total)."""
    from engine.music.sampling import generate

    best: tuple[list[int], list[vocab.Note]] = ([], [])
    best_r, spent = -3.0, 0
    for k in range(candidates):
        events = generate(model, mode, tempo, settings, seed=seed * 31 + k, tonic=tonic)
        spent += len(events)
        notes = vocab.decode(events)
        if len(notes) < 4:
            continue
        _, _, r = find_key(notes, mode_only=mode)
        _, _, r_other = find_key(notes, mode_only="minor" if mode == "major" else "major")
        score = r - max(0.0, r_other - r)  # prefer tunes that are clearly in the wanted mode
        if score > best_r:
            best, best_r = (events, notes), score
        if r >= r_other + CLEAR_MARGIN:
            break  # clearly in the wanted mode already: no need to sample more
    return best[0], best[1], spent


@dataclass
class Arrangement:
    style: Style
    bpm: float
    tonic: int
    melody: list[vocab.Note]
    chords: list[vocab.Note]
    bass: list[vocab.Note]
    length_steps: int
    tunes: int
    tokens: int
    generation_seconds: float
    harmony: list[Chord] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.length_steps * 60.0 / self.bpm / vocab.STEPS_PER_QUARTER

    def tracks(self):
        s = self.style
        return [(self.melody, s.melody, False), (self.chords, s.chords, False), (self.bass, s.bass, False)]


def _place(notes: list[vocab.Note], tonic_pc: int, target_tonic: int, register: int) -> list[vocab.Note]:
    """Transpose a tune so its tonic is ``target_tonic`` and its median pitch is near ``register``."""
    base = (target_tonic - tonic_pc) % 12
    median = sorted(n.pitch for n in notes)[len(notes) // 2]
    shift = min((base + 12 * k for k in range(-4, 5)), key=lambda s: abs(median + s - register))
    return [vocab.Note(n.start, min(108, max(24, n.pitch + shift)), n.end, n.velocity) for n in notes]


def _accompany(chords: list[Chord], style: Style) -> tuple[list[vocab.Note], list[vocab.Note]]:
    pad: list[vocab.Note] = []
    bass: list[vocab.Note] = []
    for chord in chords:
        length = chord.end - chord.start
        if length <= 0:
            continue
        low = 36 + (chord.root_pc - 36) % 12
        voicing = sorted(55 + (pc - 55) % 12 for pc in chord.pcs)
        bass.append(vocab.Note(chord.start, low, chord.end, 64))
        if style.texture == "pad":
            pad.extend(vocab.Note(chord.start, p, chord.end, 46) for p in voicing)
        elif style.texture == "arpeggio":
            pattern = [*voicing, voicing[0] + 12, *voicing[:0:-1]]  # up, octave, back down
            for i, t in enumerate(range(chord.start, chord.end, 2)):
                pad.append(vocab.Note(t, pattern[i % len(pattern)], min(chord.end, t + 4), 50))
        else:  # pulse: the chord on every beat, short
            for t in range(chord.start, chord.end, 4):
                pad.extend(
                    vocab.Note(t, p, min(chord.end, t + 3), 52 if t == chord.start else 44) for p in voicing
                )
    return sorted(pad), sorted(bass)


def compose(
    style: Style,
    seconds: float,
    seed: int,
    model=None,
    progress: Callable[[float, str], None] | None = None,
) -> Arrangement:
    from engine.music.checkpoint import load_model
    from engine.music.sampling import SampleSettings

    model = model if model is not None else load_model()
    rng = random.Random(seed)
    mood_salt = sum(map(ord, style.mood)) * 7919
    tonic = rng.choice(MAJOR_TONICS if style.mode == "major" else MINOR_TONICS)
    total = max(16, math.ceil(seconds * style.bpm / 60.0 * vocab.STEPS_PER_QUARTER))
    melody: list[vocab.Note] = []
    harmony: list[Chord] = []
    now = 0
    tunes = tokens = attempts = 0
    started = time.perf_counter()
    while total - now >= 8 and attempts < 64:
        attempts += 1
        remaining = total - now
        settings = SampleSettings(
            temperature=style.temperature,
            top_p=style.top_p,
            max_steps=remaining,
            min_steps=min(remaining, MIN_TUNE_STEPS),
        )
        # the mood is part of the seed: "sad" and "mysterious" share mode and tempo, not the tune
        _, notes, spent = generate_in_mode(
            model, style.mode, style.tempo, settings, seed=seed * 1009 + mood_salt + attempts, tonic=tonic
        )
        tokens += spent
        notes = [n for n in notes if n.start < remaining]
        if len(notes) < 4:
            continue
        tonic_pc, _, _ = find_key(notes, mode_only=style.mode)
        notes = _place(notes, tonic_pc, tonic, style.register)
        length = min(remaining, max(n.end for n in notes))
        notes = [vocab.Note(n.start, n.pitch, min(n.end, length), n.velocity) for n in notes]
        harmony.extend(
            Chord(c.start + now, c.end + now, c.root_pc, c.pcs)
            for c in chords_for(notes, tonic, style.mode, length)
        )
        melody.extend(vocab.Note(n.start + now, n.pitch, n.end + now, n.velocity) for n in notes)
        now += length + (-length) % vocab.STEPS_PER_QUARTER  # next tune on the next beat
        tunes += 1
        if progress is not None:
            progress(min(1.0, now / total), f"tune {tunes}: {min(now, total)}/{total} sixteenths")
    generation_seconds = time.perf_counter() - started
    pad, bass = _accompany(harmony, style)
    end = min(total, now) if melody else 0
    return Arrangement(
        style=style,
        bpm=style.bpm,
        tonic=tonic,
        melody=sorted(melody),
        chords=[n for n in pad if n.start < end],
        bass=[n for n in bass if n.start < end],
        length_steps=end,
        tunes=tunes,
        tokens=tokens,
        generation_seconds=generation_seconds,
        harmony=harmony,
    )


def write_arrangement(arrangement: Arrangement, path: Path) -> None:
    from engine.music.midi import write_midi

    write_midi(path, arrangement.tracks(), arrangement.bpm, names=["melody", "chords", "bass"])


def sample_to_file(
    mood: str, seconds: float, output: Path, seed: int = 42, soundfont: Path | None = None
) -> dict:
    """The ``sample`` command: a .mid, or a .wav (with the .mid beside it)."""
    style = style_for(mood)
    arrangement = compose(style, seconds, seed)
    midi_path = output if output.suffix.lower() in (".mid", ".midi") else output.with_suffix(".mid")
    write_arrangement(arrangement, midi_path)
    info = {
        "mood": style.mood,
        "mode": style.mode,
        "tempo": f"{style.tempo} ({style.bpm:.0f} bpm)",
        "tunes": arrangement.tunes,
        "tokens": arrangement.tokens,
        "melody_notes": len(arrangement.melody),
        "music_seconds": round(arrangement.seconds, 2),
        "generation_seconds": round(arrangement.generation_seconds, 2),
        "speed": f"{arrangement.seconds / max(1e-6, arrangement.generation_seconds):.1f}x real time",
        "midi": str(midi_path),
    }
    if output.suffix.lower() == ".wav":
        from engine.music.render import find_soundfont, render

        font = soundfont or find_soundfont()
        render(midi_path, output, font, duration=arrangement.seconds)
        info["wav"] = str(output)
        info["soundfont"] = str(font)
    return info
