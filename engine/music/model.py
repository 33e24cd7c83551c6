"""A small decoder-only Music Transformer with relative self-attention (Huang et al., 2018).

Why relative attention: music repeats at fixed *distances* (a bar, a phrase), so an attention logit
term that depends on the distance between query and key lets the model copy motifs wherever they
occur. The term is ``q_i . E[j - i]`` with one learned embedding per distance and head.

Why "skewing": the naive way materialises an (L, L, d) tensor of per-pair embeddings. Huang et al.
compute ``Q E^T`` once (L x L: row i, column r = distance r - (L-1)), then pad one column on the
left, reshape to (L+1, L) and drop the first row; that shifts row i by (L-1-i) columns, so entry
(i, j) becomes ``q_i . E[j - i]`` for every j <= i (the rest is masked as the future anyway). Memory
is O(L d) instead of O(L^2 d).

Why a KV cache with a gather: while sampling, a new query at absolute position t attends to all
cached keys 0..t, so its relative logits are ``q_t . E[j - t]``; ``relative_logits_gather`` picks
those columns from ``q_t E^T`` directly. It also covers a prefill chunk on top of a cache, and equals
the skewed form wherever both apply (tested).

Why a key-and-tempo embedding added at every position (``ModelConfig.conditioning``): the first
checkpoint saw the mode only as a token at the start of the window and learnt to ignore it (held-out
NLL 1.1238 with the token swapped vs 1.1240 as given). A mode alone says little about the next pitch
when every piece is in a random transposition -- "minor" fixes intervals above a tonic the model
still has to guess. So the conditioning is the *key*: one of 24 embeddings (12 tonics x major/minor,
moved along with the transposition augmentation) plus one of 3 tempo embeddings, added to the token
embedding at every position, so it is in every query's residual stream and cannot drift out of
view. The mode and tempo tokens stay in the sequence (same vocabulary).

Torch is imported here at module level; ``engine.music`` only imports this module inside the
functions that need it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

KVCache = list[tuple[torch.Tensor, torch.Tensor]]
N_KEYS = 24  # tonic pitch class 0..11, + 12 for minor
N_TEMPOS = 3


def key_index(tonic_pc: int, mode: str) -> int:
    """The key embedding row of a tonic pitch class and a mode ("major" / "minor")."""
    return tonic_pc % 12 + (12 if mode == "minor" else 0)


@dataclass
class ModelConfig:
    vocab_size: int
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 1024
    max_len: int = 256  # context length; also the number of learned relative distances
    dropout: float = 0.1
    conditioning: bool = False  # key (tonic x mode) + tempo embedding at every position; old checkpoints: off

    def to_dict(self) -> dict:
        return asdict(self)


def skew(qe: torch.Tensor) -> torch.Tensor:
    """(B, H, L, L) ``Q E^T`` (column r <-> distance r - (L-1)) -> (B, H, L, L) with entry (i, j) =
    ``q_i . E[j - i]`` for j <= i. Entries above the diagonal are garbage and must be masked."""
    b, h, length, _ = qe.shape
    padded = F.pad(qe, (1, 0))
    return padded.reshape(b, h, length + 1, length)[:, :, 1:, :]


def relative_logits_gather(q: torch.Tensor, rel: torch.Tensor, q_start: int, k_len: int) -> torch.Tensor:
    """Relative logits for queries at absolute positions ``q_start .. q_start+Tq-1`` against keys
    ``0 .. k_len-1``: ``q_i . E[j - i]``. ``rel`` is (H, max_len, dh), row max_len-1 <-> distance 0.
    Future pairs (j > i) get distance 0's column; the caller masks them."""
    max_len = rel.shape[1]
    tq = q.shape[2]
    q_pos = torch.arange(q_start, q_start + tq, device=q.device)
    k_pos = torch.arange(k_len, device=q.device)
    index = (max_len - 1 + k_pos[None, :] - q_pos[:, None]).clamp(0, max_len - 1)  # (Tq, K)
    qe = torch.matmul(q, rel.transpose(1, 2).unsqueeze(0))  # (B, H, Tq, max_len)
    b, h = q.shape[0], q.shape[1]
    return torch.gather(qe, 3, index.expand(b, h, tq, k_len))


class RelativeSelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.d_head = cfg.d_model // cfg.n_heads
        self.max_len = cfg.max_len
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.d_model)
        self.rel = nn.Parameter(torch.randn(cfg.n_heads, cfg.max_len, self.d_head) * self.d_head**-0.5)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(
        self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_heads, self.d_head).transpose(1, 2) for z in (q, k, v))
        past_len = 0
        if past is not None:
            past_len = past[0].shape[2]
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        k_len = k.shape[2]
        if k_len > self.max_len:
            raise ValueError(f"context {k_len} exceeds the model's {self.max_len} relative positions")
        if past is None:
            s_rel = skew(torch.matmul(q, self.rel[:, self.max_len - t :, :].transpose(1, 2).unsqueeze(0)))
        else:
            s_rel = relative_logits_gather(q, self.rel, past_len, k_len)
        logits = (torch.matmul(q, k.transpose(2, 3)) + s_rel) / math.sqrt(self.d_head)
        q_pos = torch.arange(past_len, past_len + t, device=x.device)[:, None]
        k_pos = torch.arange(k_len, device=x.device)[None, :]
        logits = logits.masked_fill(k_pos > q_pos, float("-inf"))
        weights = self.drop(torch.softmax(logits, dim=-1))
        y = torch.matmul(weights, v).transpose(1, 2).reshape(b, t, d)
        return self.out(y), (k, v)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = RelativeSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.ff = nn.Sequential(
            nn.Linear(cfg.d_model, cfg.d_ff),
            nn.GELU(),
            nn.Linear(cfg.d_ff, cfg.d_model),
            nn.Dropout(cfg.dropout),
        )
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, past=None):
        a, kv = self.attn(self.ln1(x), past)
        x = x + self.drop(a)
        return x + self.ff(self.ln2(x)), kv


class MusicTransformer(nn.Module):
    """Pre-norm decoder; the output layer shares the embedding matrix (fewer parameters to commit)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        if cfg.conditioning:
            self.key_embed = nn.Embedding(N_KEYS, cfg.d_model)
            self.tempo_embed = nn.Embedding(N_TEMPOS, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(
        self, tokens: torch.Tensor, past: KVCache | None = None, cond: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, KVCache]:
        """tokens (B, T) -> logits (B, T, V) and the updated KV cache (one (k, v) per layer).

        ``cond`` (long): (B, 2) or per position (B, T, 2) of ``[key index, tempo index]`` (see
        ``key_index``); required when the model was built with ``conditioning``, ignored otherwise."""
        x = self.embed(tokens)
        if self.cfg.conditioning:
            if cond is None:
                raise ValueError("this model is key-conditioned: pass cond=[key index, tempo index]")
            if cond.dim() == 2:
                cond = cond[:, None, :]
            x = x + self.key_embed(cond[..., 0]) + self.tempo_embed(cond[..., 1])
        x = self.drop(x * math.sqrt(self.cfg.d_model))
        cache: KVCache = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if past is None else past[i])
            cache.append(kv)
        logits = torch.matmul(self.ln(x), self.embed.weight.t())
        return logits, cache

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
