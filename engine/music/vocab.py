"""The event vocabulary: notes on a score grid <-> integer tokens.

It follows the seed's Music Transformer event idea (note-on / note-off for 128 pitches, time-shifts,
velocities), adapted because our training data are *scores*, not recorded performances:

- **Time-shifts count sixteenth notes (1..16), not 10 ms steps.** A score has no absolute time: the
  tempo is chosen at playback from the story's mood. A tempo-free grid keeps every piece on the same
  rhythmic lattice, so the model learns rhythm (dotted eighths, syncopation) instead of having to
  discover it through tempo jitter, and sequences get ~5x shorter than at 10 ms. Triplets and
  32nd notes are rounded to the nearest sixteenth (a handful of folk tunes; said in prepare's log).
  Gaps over a whole note are spelled as several shifts.
- **8 velocity bins instead of 32.** Folk-song scores carry almost no dynamics; what velocity encodes
  here is *metric accent* (downbeat > half-bar > beat > off-beat, see ``corpus.accent_velocity``).
  That gives the model the bar structure (which the seed got from performed timing) and makes the
  playback less mechanical. Eight levels cover it; 32 would be empty bins.
- **Conditioning tokens** open every sequence: the mode (major / minor) and a tempo band
  (slow / medium / fast), so the story's mood can steer generation.
- **End-of-piece token**, so the model learns how tunes close (cadences) and we can stop there.

Order of events at one instant: note-offs (low to high), then a velocity change if needed, then
note-ons (low to high). That order is canonical, so ``decode(encode(notes)) == notes`` for notes on
the grid with bin-centre velocities (the tokenisation round-trip test relies on it).
"""

from __future__ import annotations

from dataclasses import dataclass

PAD = 0
EOS = 1
MODES = ("major", "minor")
TEMPOS = ("slow", "medium", "fast")
MODE_BASE = 2
TEMPO_BASE = MODE_BASE + len(MODES)
NOTE_ON_BASE = TEMPO_BASE + len(TEMPOS)
NOTE_OFF_BASE = NOTE_ON_BASE + 128
MAX_SHIFT = 16  # sixteenths: one whole note
SHIFT_BASE = NOTE_OFF_BASE + 128  # token SHIFT_BASE + k - 1 means "advance k sixteenths"
VELOCITY_BINS = 8
VELOCITY_BASE = SHIFT_BASE + MAX_SHIFT
VOCAB_SIZE = VELOCITY_BASE + VELOCITY_BINS
DEFAULT_VELOCITY = 80
STEPS_PER_QUARTER = 4


@dataclass(frozen=True, order=True)
class Note:
    """A note on the sixteenth grid: ``start``/``end`` in sixteenths, ``velocity`` 1..127."""

    start: int
    pitch: int
    end: int
    velocity: int = DEFAULT_VELOCITY


def mode_token(mode: str) -> int:
    return MODE_BASE + MODES.index(mode)


def tempo_token(band: str) -> int:
    return TEMPO_BASE + TEMPOS.index(band)


def velocity_bin(velocity: int) -> int:
    return min(VELOCITY_BINS - 1, max(0, int(velocity)) * VELOCITY_BINS // 128)


def bin_velocity(bin_index: int) -> int:
    """The centre velocity of a bin (what decode gives back)."""
    width = 128 // VELOCITY_BINS
    return bin_index * width + width // 2


def is_pitch_token(token: int) -> bool:
    return NOTE_ON_BASE <= token < SHIFT_BASE


def encode(notes: list[Note]) -> list[int]:
    """Notes -> event tokens (without conditioning tokens or EOS)."""
    events: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
    for n in notes:
        if n.end <= n.start or not 0 <= n.pitch < 128:
            continue
        events.setdefault(n.end, ([], []))[0].append(n.pitch)
        events.setdefault(n.start, ([], []))[1].append((n.pitch, velocity_bin(n.velocity)))
    tokens: list[int] = []
    now = 0
    current_bin = -1
    for time in sorted(events):
        gap = time - now
        while gap > 0:
            step = min(gap, MAX_SHIFT)
            tokens.append(SHIFT_BASE + step - 1)
            gap -= step
        now = time
        offs, ons = events[time]
        tokens.extend(NOTE_OFF_BASE + p for p in sorted(offs))
        for pitch, vbin in sorted(ons, key=lambda pv: (pv[1], pv[0])):
            if vbin != current_bin:
                tokens.append(VELOCITY_BASE + vbin)
                current_bin = vbin
            tokens.append(NOTE_ON_BASE + pitch)
    return tokens


def decode(tokens: list[int]) -> list[Note]:
    """Event tokens -> notes. Tolerant of what a sampler may produce: an off without an on is
    ignored, a note still sounding at the end is closed there, a repeated on re-strikes the pitch."""
    now = 0
    velocity = DEFAULT_VELOCITY
    sounding: dict[int, tuple[int, int]] = {}
    notes: list[Note] = []
    for tok in tokens:
        if tok == EOS:
            break
        if SHIFT_BASE <= tok < VELOCITY_BASE:
            now += tok - SHIFT_BASE + 1
        elif VELOCITY_BASE <= tok < VOCAB_SIZE:
            velocity = bin_velocity(tok - VELOCITY_BASE)
        elif NOTE_ON_BASE <= tok < NOTE_OFF_BASE:
            pitch = tok - NOTE_ON_BASE
            if pitch in sounding:
                start, vel = sounding.pop(pitch)
                if now > start:
                    notes.append(Note(start, pitch, now, vel))
            sounding[pitch] = (now, velocity)
        elif NOTE_OFF_BASE <= tok < SHIFT_BASE:
            pitch = tok - NOTE_OFF_BASE
            if pitch in sounding:
                start, vel = sounding.pop(pitch)
                if now > start:
                    notes.append(Note(start, pitch, now, vel))
    for pitch, (start, vel) in sounding.items():
        if now > start:
            notes.append(Note(start, pitch, now, vel))
    return sorted(notes)


def transpose(tokens: list[int] | object, semitones: int):
    """Shift every pitch token by ``semitones`` (numpy arrays or lists). Callers keep pitches in range."""
    import numpy as np

    arr = np.array(tokens, dtype=np.int64, copy=True)
    on = (arr >= NOTE_ON_BASE) & (arr < NOTE_OFF_BASE)
    off = (arr >= NOTE_OFF_BASE) & (arr < SHIFT_BASE)
    arr[on | off] += semitones
    return arr


def pitch_range(tokens) -> tuple[int, int]:
    """Lowest and highest pitch in a token array (for safe transposition)."""
    import numpy as np

    arr = np.asarray(tokens)
    on = arr[(arr >= NOTE_ON_BASE) & (arr < NOTE_OFF_BASE)] - NOTE_ON_BASE
    if on.size == 0:
        return 60, 60
    return int(on.min()), int(on.max())


def describe(token: int) -> str:
    """Human-readable name of a token (for logs and debugging)."""
    if token == PAD:
        return "PAD"
    if token == EOS:
        return "EOS"
    if MODE_BASE <= token < TEMPO_BASE:
        return f"MODE_{MODES[token - MODE_BASE]}"
    if TEMPO_BASE <= token < NOTE_ON_BASE:
        return f"TEMPO_{TEMPOS[token - TEMPO_BASE]}"
    if NOTE_ON_BASE <= token < NOTE_OFF_BASE:
        return f"ON_{token - NOTE_ON_BASE}"
    if NOTE_OFF_BASE <= token < SHIFT_BASE:
        return f"OFF_{token - NOTE_OFF_BASE}"
    if SHIFT_BASE <= token < VELOCITY_BASE:
        return f"SHIFT_{token - SHIFT_BASE + 1}"
    return f"VEL_{token - VELOCITY_BASE}"
