"""Mood mapping, key finding, chords, the Markov baseline and bad input to score()."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import StageError
from engine.music import vocab
from engine.music.harmony import chords_for, find_key, guess_bar
from engine.music.markov import MarkovModel
from engine.music.style import STYLES, normalise_mood, story_mood, style_for
from engine.music.vocab import Note


@pytest.mark.parametrize(
    ("label", "mood"),
    [
        ("sad", "sad"),
        ("Scary!", "scary"),
        ("epic", "triumphant"),
        ("грустный", "sad"),
        ("", "calm"),
        (None, "calm"),
        ("🐉 <i>\\'quoted\\'</i>", "calm"),
        ("very tense", "tense"),
        ("unheard-of", "calm"),
    ],
)
def test_moods_map_gracefully(label, mood) -> None:
    assert normalise_mood(label) == mood
    assert style_for(label) is STYLES[mood]


def test_story_mood_falls_back_to_scenes() -> None:
    assert story_mood("calm", ["sad", "sad", "happy"]) == "sad"
    assert story_mood("happy", ["sad", "sad"]) == "happy"
    assert story_mood(None, []) == "calm"


def scale_tune(tonic: int, steps: tuple[int, ...], bar: int = 16) -> list[Note]:
    notes = []
    for i, s in enumerate((*steps, *steps, 0, 0)):
        vel = 104 if (i * 4) % bar == 0 else 72
        notes.append(Note(i * 4, 60 + tonic + s, i * 4 + 4, vel))
    return notes


def test_find_key_and_chords() -> None:
    major = scale_tune(7, (0, 4, 7, 4, 5, 2, 11 - 12, 0))  # G major arpeggios
    assert find_key(major)[:2] == (7, "major")
    minor = scale_tune(9, (0, 3, 7, 3, 5, 8, 11 - 12, 0))
    assert find_key(minor)[:2] == (9, "minor")
    assert guess_bar(major) == (16, 0)
    chords = chords_for(major, 7, "major", major[-1].end)
    assert chords[0].root_pc == 7 and chords[-1].root_pc == 7  # starts and ends on the tonic
    assert all(c.end > c.start for c in chords)


def test_markov_probabilities_sum_to_one() -> None:
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 12, size=40) for _ in range(20)]
    m = MarkovModel(12).fit(seqs)
    u, v = np.full(12, 3), np.full(12, 5)
    assert abs(m.prob(u, v, np.arange(12)).sum() - 1.0) < 1e-9
    assert abs(m.prob(np.full(12, 11), np.full(12, 0), np.arange(12)).sum() - 1.0) < 1e-9
    total, count = m.sequence_nll(seqs[0])
    assert count == 38 and 0 < total / count < np.log(12)


@pytest.mark.parametrize("duration", [0, -3, float("nan"), "abc"])
def test_score_rejects_bad_duration(tmp_path, duration) -> None:
    from engine.music import score
    from engine.progress import null_reporter
    from engine.story import Story

    with pytest.raises(StageError):
        score(Story(prompt="p", lang="en", genre="fable"), tmp_path, duration, null_reporter("music"))


def test_vocab_size_matches_docstring() -> None:
    assert vocab.VOCAB_SIZE == 2 + 2 + 3 + 128 + 128 + 16 + 8


def test_importing_the_block_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, engine.music; print(sorted({'torch', 'music21', 'pretty_midi'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_doctor_reports_every_part() -> None:
    from engine.music import doctor

    rows = doctor()
    assert [r.name for r in rows] == ["transformer"]  # one row per backend, named as its module
    assert all(r.block == "music" and r.detail for r in rows)
