"""Light music theory for arranging: key finding, metre guessing, and one chord per bar.

Key finding is the Krumhansl-Schmuckler method (duration-weighted pitch-class histogram correlated
with the Krumhansl-Kessler profiles of all 24 keys), in numpy so scoring a story does not pay for
importing music21. The evaluation uses music21's own analysis instead, as the independent judge.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from engine.music.vocab import Note

MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

# (root above the tonic, chord intervals, prior): the common diatonic triads of each mode
CHORDS = {
    "major": [
        (0, (0, 4, 7), 0.30),
        (5, (0, 4, 7), 0.15),
        (7, (0, 4, 7), 0.20),
        (9, (0, 3, 7), 0.05),
        (2, (0, 3, 7), 0.0),
    ],
    "minor": [
        (0, (0, 3, 7), 0.30),
        (5, (0, 3, 7), 0.15),
        (7, (0, 4, 7), 0.20),
        (8, (0, 4, 7), 0.05),
        (3, (0, 4, 7), 0.05),
        (10, (0, 4, 7), 0.0),
    ],
}


@dataclass(frozen=True)
class Chord:
    start: int
    end: int
    root_pc: int
    pcs: tuple[int, ...]


def pitch_class_histogram(notes: list[Note]) -> np.ndarray:
    hist = np.zeros(12)
    for n in notes:
        hist[n.pitch % 12] += n.end - n.start
    return hist


def find_key(notes: list[Note], mode_only: str | None = None) -> tuple[int, str, float]:
    """(tonic pitch class, "major"|"minor", correlation) of the best-matching key (of one mode, when
    ``mode_only`` is given)."""
    hist = pitch_class_histogram(notes)
    if hist.sum() == 0:
        return 0, mode_only or "major", 0.0
    best = (0, mode_only or "major", -2.0)
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        if mode_only is not None and mode != mode_only:
            continue
        for tonic in range(12):
            r = float(np.corrcoef(hist, np.roll(profile, tonic))[0, 1])
            if r > best[2]:
                best = (tonic, mode, r)
    return best


def guess_bar(notes: list[Note], accent_velocity: int = 104) -> tuple[int, int]:
    """(bar length, phase) in sixteenths from the model's downbeat accents (see corpus.accent_velocity);
    4/4 at phase 0 when the accents do not say."""
    downbeats = sorted({n.start for n in notes if n.velocity >= accent_velocity})
    if len(downbeats) < 3:
        return 16, 0
    gaps = np.diff(downbeats)
    candidates = [16, 12, 8, 24, 6]
    votes = {c: int(np.sum(gaps % c == 0)) for c in candidates}
    bar = max(candidates, key=lambda c: (votes[c], c == 16))
    phase_votes = np.bincount(np.array(downbeats) % bar, minlength=bar)
    return bar, int(np.argmax(phase_votes))


def chords_for(notes: list[Note], tonic: int, mode: str, length: int) -> list[Chord]:
    """One diatonic triad per bar, the one whose tones cover most of the bar's melody (accented and
    long notes count more); the final bar is the tonic, for a cadence."""
    bar, phase = guess_bar(notes)
    bounds = [0, *range(phase if phase else bar, length, bar), length]
    bounds = sorted(set(b for b in bounds if 0 <= b <= length))
    chords: list[Chord] = []
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        weights = np.zeros(12)
        for n in notes:
            overlap = min(end, n.end) - max(start, n.start)
            if overlap > 0:
                weights[n.pitch % 12] += overlap * (1.5 if n.velocity >= 88 else 1.0)
        total = weights.sum()
        options = CHORDS[mode]
        if i == len(bounds) - 2 or total == 0:
            root, intervals, _ = options[0]
        else:

            def fit(option, w=weights, t=total):
                r, iv, prior = option
                tones = {(tonic + r + x) % 12 for x in iv}
                inside = sum(w[pc] for pc in tones)
                return (inside - 0.3 * (t - inside)) / t + prior

            root, intervals, _ = max(options, key=fit)
        root_pc = (tonic + root) % 12
        chords.append(Chord(start, end, root_pc, tuple((root_pc + x) % 12 for x in intervals)))
    return chords
