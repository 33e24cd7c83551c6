"""Sampling: the KV-cached path gives exactly the tokens of the uncached reference for one seed."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from engine.music import vocab  # noqa: E402
from engine.music.model import ModelConfig, MusicTransformer  # noqa: E402
from engine.music.sampling import SampleSettings, generate  # noqa: E402


def tiny_model(max_len: int = 16, conditioning: bool = False) -> MusicTransformer:
    torch.manual_seed(3)
    cfg = ModelConfig(
        vocab.VOCAB_SIZE,
        d_model=32,
        n_layers=2,
        n_heads=4,
        d_ff=64,
        max_len=max_len,
        dropout=0.0,
        conditioning=conditioning,
    )
    return MusicTransformer(cfg).eval()


@pytest.mark.parametrize(("seed", "conditioning"), [(0, False), (1, False), (2, True)])
def test_cached_sampling_equals_uncached(seed: int, conditioning: bool) -> None:
    model = tiny_model(conditioning=conditioning)
    settings = SampleSettings(temperature=1.0, top_p=0.9, max_steps=60, min_steps=60)
    cached = generate(model, "minor", "slow", settings, seed=seed, use_cache=True, tonic=4)
    plain = generate(model, "minor", "slow", settings, seed=seed, use_cache=False, tonic=4)
    assert len(cached) > 2 * model.cfg.max_len  # long enough that the window restarted
    assert cached == plain


def test_sampling_is_seeded_and_respects_length_and_bans() -> None:
    model = tiny_model()
    settings = SampleSettings(max_steps=64, min_steps=64)
    a = generate(model, "major", "fast", settings, seed=5)
    assert a == generate(model, "major", "fast", settings, seed=5)
    assert a != generate(model, "major", "fast", settings, seed=6)
    assert all(t >= vocab.NOTE_ON_BASE for t in a)  # no PAD / EOS / conditioning tokens
    elapsed = sum(t - vocab.SHIFT_BASE + 1 for t in a if vocab.SHIFT_BASE <= t < vocab.VELOCITY_BASE)
    assert 64 <= elapsed < 64 + vocab.MAX_SHIFT
