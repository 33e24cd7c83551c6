"""Training data: the folk-tune collections inside the music21 wheel, parsed once into tokens.

Which pieces: a German-language subset of the Essen folk song collection (``essenFolksong``):
old German songs (``altdeu``), ballads (``ballad``), Boehme's collection (``boehme``), the German
folk song archive (``dva``) and children's songs (``kinder``) -- about 2.9 k single-line melodies.
Why a subset: parsing costs music21 ~50 ms per tune on an idle core and 3-4x that on the shared
2-core build machine, and training had to fit the same budget, so the Chinese (``han``),
Lorraine/Luxembourg (``lot``, ``lux``), Zuccalmaglio and Erk files, O'Neill's and Ryan's fiddle
tunes were left for a machine with more time (add them to ``ESSEN_FILES`` / ``EXTRA_FOLDERS``; the
cache is per file). Single-line melodies are what the story score needs: the model writes the tune
and ``arrange`` adds the accompaniment. Bach chorales (four-part harmony) are another texture.

Parsing is slow (music21 builds a full score object per tune), so ``prepare`` writes one pickle per
source file under ``engine.paths.cache_dir("music-tokens")``; a re-run skips files already done.

Per piece we store the event tokens (``vocab.encode``), the mode and the note density:

- **Mode** comes from music21's key analysis (``Score.analyze("key")``, Aarden-Essen weights),
  because the Essen files give only the key signature (``K: G`` even for tunes in E minor).
- **Key** (tonic and mode) conditions the model (``model.ModelConfig.conditioning``): the tonic's
  pitch class comes from the same analysis (``tonic_pc``) and moves with the transposition
  augmentation, the mode never changes under it. Sanity of the labels: 24 % of the tunes come out
  minor (G minor, D minor, A minor, E minor lead), the rest mostly G, F, C major -- what the
  key signatures of German folk songs suggest.
- **Tempo band**: the collections carry (almost) no metronome marks, so the band is the piece's own
  rhythmic density, notes per quarter note, cut at the corpus tertiles (slow = long notes,
  hymn-like; fast = running eighths and sixteenths, reels). At playback the mood's tempo band picks
  both this token and the BPM.
- **Split by piece**, deterministic: a piece goes to validation when the SHA-1 of its
  transposition-free melody (pitch intervals + durations) falls in 1/20 of the hash space. Hashing
  the content, not the file name, also sends a tune that appears in two collections (O'Neill's and
  Ryan's share many) to the same side, and exact duplicates are kept once.
- **Transposition augmentation** happens at training time (``train.batches``), not here.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.music import vocab

ESSEN_FILES: tuple[str, ...] = (
    *(f"altdeu{n}" for n in (10, 20)),
    *(f"ballad{n}" for n in range(10, 90, 10)),
    "boehme10",
    "boehme20",
    "dva0",
    "kinder0",
)
EXTRA_FOLDERS: dict[str, str] = {}  # e.g. {"oneills": "oneills1850", "ryans": "ryansMammoth"}
SOURCES: tuple[str, ...] = ("essen", *EXTRA_FOLDERS)
CACHE_VERSION = "v1"
VALIDATION_BUCKETS = 20  # 1 in 20 pieces (5 %) is held out
MIN_NOTES = 8


@dataclass
class Piece:
    piece_id: str  # "<source>/<file>#<index in file>"
    tokens: np.ndarray  # int16 event tokens, no conditioning tokens, no EOS
    mode: str  # "major" | "minor"
    key: str  # e.g. "e minor" (music21's analysis)
    key_correlation: float
    density: float  # notes per quarter note
    n_notes: int
    off_grid: int  # notes whose onset or length had to be rounded to the sixteenth grid
    fingerprint: str  # hash of intervals + durations (split key, duplicate detection)
    tempo: str = "medium"  # filled in by load_pieces from the corpus tertiles

    @property
    def split(self) -> str:
        return "validation" if int(self.fingerprint[:8], 16) % VALIDATION_BUCKETS == 0 else "train"


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def source_files() -> list[tuple[str, Path]]:
    root = corpus_root()
    files = [("essen", root / "essenFolksong" / f"{stem}.abc") for stem in ESSEN_FILES]
    for name, folder in EXTRA_FOLDERS.items():
        files.extend((name, path) for path in sorted((root / folder).glob("*.abc")))
    return files


def cache_root() -> Path:
    from engine.paths import cache_dir

    root = cache_dir("music-tokens") / CACHE_VERSION
    root.mkdir(parents=True, exist_ok=True)
    return root


def accent_velocity(beat_strength: float) -> int:
    """Metric accent as velocity (bin centres of vocab): downbeat, half-bar, beat, off-beat."""
    if beat_strength >= 1.0:
        return 104
    if beat_strength >= 0.5:
        return 88
    if beat_strength >= 0.25:
        return 72
    return 56


def fingerprint(notes: list[vocab.Note]) -> str:
    """A transposition-free identity of a melody: successive intervals and durations."""
    if not notes:
        return hashlib.sha1(b"").hexdigest()
    parts = [f"{b.pitch - a.pitch},{b.start - a.start}" for a, b in itertools.pairwise(notes)]
    parts.append(str(notes[-1].end - notes[-1].start))
    return hashlib.sha1(";".join(parts).encode()).hexdigest()


def notes_from_score(score) -> tuple[list[vocab.Note], int]:
    """A music21 score -> grid notes (ties merged, grace notes and chord symbols dropped, chords as
    their top note) and the count of notes that had to be rounded to the grid."""
    from music21 import chord, harmony

    flat_score = score.stripTies()
    notes: list[vocab.Note] = []
    off_grid = 0
    for element in flat_score.recurse().notes:
        if isinstance(element, harmony.ChordSymbol):
            continue
        length = float(element.quarterLength)
        if length <= 0:
            continue  # grace note
        if isinstance(element, chord.Chord):
            pitches = [max(p.midi for p in element.pitches)] if element.pitches else []
        else:
            pitches = [element.pitch.midi]
        offset = float(element.getOffsetInHierarchy(flat_score))
        start = round(offset * vocab.STEPS_PER_QUARTER)
        end = round((offset + length) * vocab.STEPS_PER_QUARTER)
        exact = offset * vocab.STEPS_PER_QUARTER, (offset + length) * vocab.STEPS_PER_QUARTER
        if abs(exact[0] - start) > 1e-6 or abs(exact[1] - end) > 1e-6:
            off_grid += 1
        end = max(end, start + 1)
        velocity = accent_velocity(float(element.beatStrength))
        notes.extend(vocab.Note(start, p, end, velocity) for p in pitches if 0 <= p < 128)
    if not notes:
        return [], off_grid
    notes.sort()
    # a monophonic line must not overlap itself after rounding: cut a note where the next begins
    cleaned: list[vocab.Note] = []
    for note in notes:
        if cleaned and cleaned[-1].end > note.start and cleaned[-1].start < note.start:
            prev = cleaned[-1]
            cleaned[-1] = vocab.Note(prev.start, prev.pitch, note.start, prev.velocity)
        if cleaned and cleaned[-1].start == note.start and cleaned[-1].pitch == note.pitch:
            continue
        cleaned.append(note)
    first = cleaned[0].start
    return [vocab.Note(n.start - first, n.pitch, n.end - first, n.velocity) for n in cleaned], off_grid


def piece_from_score(piece_id: str, score) -> Piece | None:
    notes, off_grid = notes_from_score(score)
    if len(notes) < MIN_NOTES:
        return None
    analysed = score.analyze("key")
    mode = "minor" if analysed.mode == "minor" else "major"
    length_quarters = max(1e-6, notes[-1].end / vocab.STEPS_PER_QUARTER)
    return Piece(
        piece_id=piece_id,
        tokens=np.asarray(vocab.encode(notes), dtype=np.int16),
        mode=mode,
        key=f"{analysed.tonic.name} {analysed.mode}",
        key_correlation=float(analysed.correlationCoefficient),
        density=len(notes) / length_quarters,
        n_notes=len(notes),
        off_grid=off_grid,
        fingerprint=fingerprint(notes),
    )


def parse_file(source: str, path: Path) -> list[Piece]:
    from music21 import converter, stream

    parsed = converter.parse(str(path), format="abc", forceSource=True)
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    pieces = []
    for index, score in enumerate(scores):
        try:
            piece = piece_from_score(f"{source}/{path.name}#{index}", score)
        except Exception:  # one malformed tune must not lose the whole file
            continue
        if piece is not None:
            pieces.append(piece)
    return pieces


def prepare(log: Callable[[str], None] = print, limit_files: int | None = None) -> Path:
    """Parse every source file not yet cached; return the cache folder."""
    root = cache_root()
    files = source_files()[:limit_files]
    started = time.monotonic()
    for i, (source, path) in enumerate(files, 1):
        target = root / source / f"{path.stem}.pkl"
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        pieces = parse_file(source, path)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(pieces, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(target)
        log(
            f"[{i}/{len(files)}] {source}/{path.name}: {len(pieces)} pieces in {time.monotonic() - t0:.1f} s "
            f"(total {time.monotonic() - started:.0f} s)"
        )
    return root


def load_pieces(root: Path | None = None) -> tuple[list[Piece], dict]:
    """All cached pieces (duplicates dropped, tempo bands assigned) and a summary for the log."""
    root = root or cache_root()
    pieces: list[Piece] = []
    for source, path in source_files():
        cached = root / source / f"{path.stem}.pkl"
        if not cached.exists():
            raise FileNotFoundError(f"{cached} missing: run `python -m engine.music prepare` first")
        pieces.extend(pickle.loads(cached.read_bytes()))
    seen: set[str] = set()
    unique = []
    for piece in sorted(pieces, key=lambda p: p.piece_id):
        if piece.fingerprint in seen:
            continue
        seen.add(piece.fingerprint)
        unique.append(piece)
    densities = np.array([p.density for p in unique])
    low, high = (float(x) for x in np.quantile(densities, [1 / 3, 2 / 3]))
    for piece in unique:
        piece.tempo = "slow" if piece.density < low else "fast" if piece.density >= high else "medium"
    summary = {
        "pieces_parsed": len(pieces),
        "duplicates_dropped": len(pieces) - len(unique),
        "pieces": len(unique),
        "train_pieces": sum(p.split == "train" for p in unique),
        "validation_pieces": sum(p.split == "validation" for p in unique),
        "tokens": int(sum(len(p.tokens) for p in unique)),
        "minor_share": round(float(np.mean([p.mode == "minor" for p in unique])), 3),
        "density_tertiles_notes_per_quarter": [round(low, 3), round(high, 3)],
        "off_grid_notes": int(sum(p.off_grid for p in unique)),
        "notes": int(sum(p.n_notes for p in unique)),
        "by_source": {s: sum(p.piece_id.startswith(s + "/") for p in unique) for s in SOURCES},
    }
    return unique, summary


_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def tonic_pc(piece: Piece) -> int:
    """Pitch class of the analysed tonic (music21 spells flats with "-": "B- major" -> 10)."""
    name = piece.key.split()[0]
    return (_LETTER_PC[name[0].upper()] + name.count("#") - name.count("-")) % 12


def conditioning(piece: Piece, shift: int = 0) -> np.ndarray:
    """``[key index, tempo index]`` of a piece transposed by ``shift`` semitones (the model's ``cond``)."""
    from engine.music.model import key_index

    return np.array(
        [key_index(tonic_pc(piece) + shift, piece.mode), vocab.TEMPOS.index(piece.tempo)], dtype=np.int64
    )


def sequence(piece: Piece) -> np.ndarray:
    """The full training sequence of a piece: [mode, tempo, events..., EOS]."""
    head = np.array([vocab.mode_token(piece.mode), vocab.tempo_token(piece.tempo)], dtype=np.int64)
    return np.concatenate([head, piece.tokens.astype(np.int64), np.array([vocab.EOS], dtype=np.int64)])
