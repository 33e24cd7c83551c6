"""Key conditioning: labels move with transposition, every position carries its piece's key, and a
conditioned model needs and uses it."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.music import corpus, vocab  # noqa: E402
from engine.music.model import ModelConfig, MusicTransformer, key_index  # noqa: E402
from engine.music.train import TrainConfig, pack_window  # noqa: E402


def fake_piece(key: str, pitches: list[int], tempo: str = "medium") -> corpus.Piece:
    notes = [vocab.Note(4 * i, p, 4 * i + 4, 104) for i, p in enumerate(pitches)]
    return corpus.Piece(
        piece_id=f"fake/{key}",
        tokens=np.asarray(vocab.encode(notes), dtype=np.int16),
        mode=key.split()[1],
        key=key,
        key_correlation=0.9,
        density=1.0,
        n_notes=len(notes),
        off_grid=0,
        fingerprint="0" * 40,
        tempo=tempo,
    )


def test_tonic_labels_follow_music21_spelling_and_transposition() -> None:
    assert corpus.tonic_pc(fake_piece("B- major", [70])) == 10
    assert corpus.tonic_pc(fake_piece("F# minor", [66])) == 6
    assert corpus.tonic_pc(fake_piece("C major", [60])) == 0
    piece = fake_piece("A minor", [69], tempo="slow")
    assert corpus.conditioning(piece).tolist() == [key_index(9, "minor"), 0]
    # transposing up 5 semitones: A minor -> D minor; the mode never changes
    assert corpus.conditioning(piece, 5).tolist() == [key_index(2, "minor"), 0] == [14, 0]


def test_packed_window_gives_each_position_its_own_pieces_key() -> None:
    a = fake_piece("G major", [67, 71, 74, 67] * 4, tempo="fast")
    b = fake_piece("D minor", [62, 65, 69, 62] * 4, tempo="slow")
    rng = np.random.default_rng(1)
    for _ in range(20):
        x, y, c = pack_window([a, b], rng, TrainConfig(), 64)
        assert c.shape == (64, 2) and x.shape == y.shape == (64,)
        starts = list(np.flatnonzero((x >= vocab.MODE_BASE) & (x < vocab.TEMPO_BASE)))
        assert starts[0] == 0  # a window always opens with its first piece's mode token
        for lo, hi in zip(starts, [*starts[1:], len(x)], strict=True):
            rows = {tuple(r) for r in c[lo:hi]}
            assert len(rows) == 1  # one piece, one key
            key, tempo = rows.pop()
            mode = "minor" if key >= 12 else "major"
            assert x[lo] == vocab.mode_token(mode)
            if lo > 0 and hi - lo > 4:  # a whole piece: its first pitch is its tonic, transposed or not
                first_on = next(t for t in x[lo:hi] if vocab.NOTE_ON_BASE <= t < vocab.NOTE_OFF_BASE)
                assert (first_on - vocab.NOTE_ON_BASE) % 12 == key % 12
            assert tempo == (2 if mode == "major" else 0)


def test_conditioned_model_needs_and_uses_its_conditioning() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(vocab.VOCAB_SIZE, d_model=32, n_layers=1, n_heads=4, d_ff=64, max_len=16, dropout=0.0)
    model = MusicTransformer(ModelConfig(**{**cfg.to_dict(), "conditioning": True})).eval()
    tokens = torch.tensor([[vocab.mode_token("minor"), vocab.tempo_token("slow"), vocab.NOTE_ON_BASE + 60]])
    with pytest.raises(ValueError, match="key-conditioned"):
        model(tokens)
    minor, _ = model(tokens, cond=torch.tensor([[key_index(9, "minor"), 0]]))
    major, _ = model(tokens, cond=torch.tensor([[key_index(9, "major"), 0]]))
    per_position, _ = model(tokens, cond=torch.tensor([[[key_index(9, "minor"), 0]] * 3]))
    assert not torch.allclose(minor, major)
    assert torch.allclose(minor, per_position)
