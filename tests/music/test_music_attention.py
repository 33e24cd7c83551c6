"""Relative self-attention: the skewed form and the cached form equal a naive per-pair reference."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from engine.music.model import (  # noqa: E402
    ModelConfig,
    MusicTransformer,
    RelativeSelfAttention,
    relative_logits_gather,
    skew,
)


def naive_relative_logits(q: torch.Tensor, rel: torch.Tensor) -> torch.Tensor:
    """S[b, h, i, j] = q_i . E[j - i] for j <= i, by explicit loops (the definition)."""
    b, h, length, _ = q.shape
    max_len = rel.shape[1]
    out = torch.zeros(b, h, length, length)
    for i in range(length):
        for j in range(i + 1):
            out[:, :, i, j] = (q[:, :, i, :] * rel[:, max_len - 1 + j - i, :]).sum(-1)
    return out


def naive_attention(attn: RelativeSelfAttention, x: torch.Tensor) -> torch.Tensor:
    b, t, d = x.shape
    q, k, v = attn.qkv(x).split(d, dim=2)
    q, k, v = (z.view(b, t, attn.n_heads, attn.d_head).transpose(1, 2) for z in (q, k, v))
    out = torch.zeros(b, attn.n_heads, t, attn.d_head)
    for i in range(t):
        scores = []
        for j in range(i + 1):
            content = (q[:, :, i] * k[:, :, j]).sum(-1)
            position = (q[:, :, i] * attn.rel[:, attn.max_len - 1 + j - i]).sum(-1)
            scores.append((content + position) / math.sqrt(attn.d_head))
        w = torch.softmax(torch.stack(scores, dim=-1), dim=-1)
        out[:, :, i] = (w.unsqueeze(-1) * v[:, :, : i + 1]).sum(2)
    return attn.out(out.transpose(1, 2).reshape(b, t, d))


@pytest.mark.parametrize("length", [1, 5, 12])
def test_skew_equals_naive(length: int) -> None:
    torch.manual_seed(0)
    q = torch.randn(2, 3, length, 4)
    rel = torch.randn(3, 16, 4)
    qe = torch.matmul(q, rel[:, 16 - length :, :].transpose(1, 2).unsqueeze(0))
    lower = torch.tril(torch.ones(length, length, dtype=torch.bool))
    got = skew(qe)
    want = naive_relative_logits(q, rel)
    assert torch.allclose(got[..., lower], want[..., lower], atol=1e-5)
    gathered = relative_logits_gather(q, rel, 0, length)
    assert torch.allclose(gathered[..., lower], want[..., lower], atol=1e-5)


def test_attention_layer_equals_naive_reference() -> None:
    torch.manual_seed(1)
    cfg = ModelConfig(vocab_size=10, d_model=16, n_heads=4, max_len=12, dropout=0.0)
    attn = RelativeSelfAttention(cfg).eval()
    x = torch.randn(2, 9, 16)
    with torch.no_grad():
        got, _ = attn(x)
        want = naive_attention(attn, x)
    assert torch.allclose(got, want, atol=1e-5)


def test_cached_forward_equals_full_forward() -> None:
    torch.manual_seed(2)
    cfg = ModelConfig(vocab_size=20, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=16, dropout=0.0)
    model = MusicTransformer(cfg).eval()
    tokens = torch.randint(0, 20, (2, 14))
    with torch.no_grad():
        full, _ = model(tokens)
        logits, cache = model(tokens[:, :5])  # prefill
        steps = [logits]
        chunk, cache = model(tokens[:, 5:8], cache)  # a chunk on top of a cache
        steps.append(chunk)
        for t in range(8, 14):
            step, cache = model(tokens[:, t : t + 1], cache)
            steps.append(step)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_context_longer_than_relative_table_is_refused() -> None:
    cfg = ModelConfig(vocab_size=5, d_model=8, n_layers=1, n_heads=2, d_ff=8, max_len=4, dropout=0.0)
    with pytest.raises(ValueError):
        MusicTransformer(cfg)(torch.zeros(1, 5, dtype=torch.long))
