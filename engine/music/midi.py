"""Grid notes <-> Standard MIDI Files (pretty_midi), at a chosen tempo."""

from __future__ import annotations

from pathlib import Path

from engine.folder import attempt
from engine.music import vocab

Track = tuple[list[vocab.Note], int, bool]  # notes, General MIDI program (0..127), is drum track


def sixteenth_seconds(bpm: float) -> float:
    return 60.0 / bpm / vocab.STEPS_PER_QUARTER


def write_midi(path: Path, tracks: list[Track], bpm: float, names: list[str] | None = None) -> None:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=bpm, resolution=480)
    step = sixteenth_seconds(bpm)
    for i, (notes, program, is_drum) in enumerate(tracks):
        name = names[i] if names and i < len(names) else f"track{i}"
        inst = pretty_midi.Instrument(program=program, is_drum=is_drum, name=name)
        for n in notes:
            inst.notes.append(
                pretty_midi.Note(
                    velocity=int(n.velocity), pitch=n.pitch, start=n.start * step, end=n.end * step
                )
            )
        pm.instruments.append(inst)
    path.parent.mkdir(parents=True, exist_ok=True)
    with attempt(path) as tmp:  # crash safety: never a half-written .mid under the real name
        pm.write(str(tmp))


def notes_from_midi(path: Path) -> list[vocab.Note]:
    """All non-drum notes of a MIDI file, quantised to the sixteenth grid of its first tempo."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(path))
    _, tempi = pm.get_tempo_changes()
    bpm = float(tempi[0]) if len(tempi) else 120.0
    step = sixteenth_seconds(bpm)
    notes = []
    for inst in pm.instruments:
        if inst.is_drum:
            continue
        for n in inst.notes:
            start = round(n.start / step)
            end = max(start + 1, round(n.end / step))
            notes.append(vocab.Note(start, n.pitch, end, n.velocity))
    return sorted(notes)


def midi_duration(path: Path) -> float:
    import pretty_midi

    return float(pretty_midi.PrettyMIDI(str(path)).get_end_time())
