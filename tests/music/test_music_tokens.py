"""Tokenisation: notes / MIDI / music21 scores -> tokens -> notes round trips on the sixteenth grid."""

from __future__ import annotations

import random

import pytest

from engine.music import vocab
from engine.music.vocab import Note


def random_notes(seed: int, polyphonic: bool) -> list[Note]:
    rng = random.Random(seed)
    notes, now = [], rng.randrange(0, 3)
    for _ in range(60):
        length = rng.choice([1, 2, 3, 4, 6, 8, 12, 16, 20, 40])
        voices = rng.sample(range(40, 90), rng.randint(1, 3)) if polyphonic else [rng.randrange(40, 90)]
        vel = vocab.bin_velocity(rng.randrange(vocab.VELOCITY_BINS))
        notes.extend(Note(now, p, now + length, vel) for p in voices)
        now += length + rng.choice([0, 0, 0, 1, 4, 24])
    return sorted(notes)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("polyphonic", [False, True])
def test_notes_round_trip(seed: int, polyphonic: bool) -> None:
    notes = random_notes(seed, polyphonic)
    tokens = vocab.encode(notes)
    assert all(0 <= t < vocab.VOCAB_SIZE for t in tokens)
    assert vocab.decode(tokens) == notes


def test_long_gaps_are_several_shifts_and_velocity_only_on_change() -> None:
    notes = [Note(0, 60, 4, 72), Note(40, 62, 44, 72)]
    names = [vocab.describe(t) for t in vocab.encode(notes)]
    assert names == [
        "VEL_4",
        "ON_60",
        "SHIFT_4",
        "OFF_60",
        "SHIFT_16",
        "SHIFT_16",
        "SHIFT_4",
        "ON_62",
        "SHIFT_4",
        "OFF_62",
    ]


def test_decode_tolerates_sampler_garbage() -> None:
    on, off, shift = vocab.NOTE_ON_BASE, vocab.NOTE_OFF_BASE, vocab.SHIFT_BASE
    tokens = [off + 61, on + 60, shift + 1, on + 60, shift + 3, vocab.MODE_BASE, on + 64, shift]
    notes = vocab.decode(tokens)
    assert [(n.start, n.pitch, n.end) for n in notes] == [(0, 60, 2), (2, 60, 7), (6, 64, 7)]


def test_transpose_moves_only_pitches() -> None:
    tokens = vocab.encode([Note(0, 60, 4, 88), Note(4, 67, 8, 88)])
    moved = vocab.transpose(tokens, 5)
    assert vocab.decode([int(t) for t in moved]) == [Note(0, 65, 4, 88), Note(4, 72, 8, 88)]
    assert vocab.pitch_range(moved) == (65, 72)


def test_midi_file_round_trip(tmp_path) -> None:
    pretty_midi = pytest.importorskip("pretty_midi")
    from engine.music.midi import notes_from_midi, write_midi

    notes = random_notes(7, polyphonic=True)
    path = tmp_path / "x.mid"
    write_midi(path, [(notes, 0, False)], bpm=96.0)
    assert pretty_midi.PrettyMIDI(str(path)).instruments
    back = notes_from_midi(path)
    assert vocab.decode(vocab.encode(back)) == notes


def test_music21_score_round_trip() -> None:
    pytest.importorskip("music21")
    from music21 import converter

    from engine.music.corpus import notes_from_score

    abc = "X:1\nT:t\nM:3/4\nL:1/8\nK:G\nG2 AB c2 | d4 B2 | c>B A2 G2 | (3ABc d2 G2 |]\n"
    notes, off_grid = notes_from_score(converter.parse(abc, format="abc"))
    assert off_grid == 3  # the triplet's notes are rounded to the sixteenth grid
    assert [n.pitch for n in notes[:4]] == [67, 69, 71, 72]
    assert [(n.start, n.end) for n in notes[:3]] == [(0, 4), (4, 6), (6, 8)]
    assert notes[0].velocity > notes[1].velocity  # downbeat accent
    assert vocab.decode(vocab.encode(notes)) == notes
