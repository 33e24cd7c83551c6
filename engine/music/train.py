"""Training the shipped checkpoint: ``python -m engine.music train`` (seeded, one CPU thread).

Budget: the run must reproduce in about an hour on ONE core of a 2-core machine that seven other
jobs share (measured for this model: 430 tokens/s at load ~12, 2,700 tokens/s at load ~4). With
so little compute, a smaller model learns more per FLOP, so it is 4 layers, d=128, 4 heads
(~1 M parameters, 4 MB) rather than d=256 (3.5 M, 3.7x slower per token), trained for 800 steps of
12 windows x 256 tokens (2.5 M tokens, ~5 passes over the training pieces, each in a random
transposition). The shipped (key-conditioned) run took 569 s at ~4,300 tokens/s and reached 0.906
nats/event; the same schedule without the key embedding (the first shipped checkpoint, 902 s under
heavier load) reached 1.124, and a first 500-step run 1.267.

Batches are *packed*: a window starts at a random point of a random piece (its mode and tempo
tokens are put in front when it starts mid-piece, so the conditioning is always in view) and is
filled up with further whole pieces ``[mode, tempo, events..., EOS]``. Short Essen songs would
otherwise leave a third of each window as padding. Targets that are conditioning tokens are not
scored: they are chosen by the caller, not predicted.

Conditioning: every position also carries its piece's ``[key, tempo]`` (``corpus.conditioning``,
the key moved by the piece's transposition), which the model adds as embeddings at every position
(see ``model``); within a packed window each piece brings its own.

Transposition augmentation: every piece in a window is shifted by its own random interval in
-5..+6 semitones (clipped so the melody stays in 24..108), so the model sees every key.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.music import corpus, vocab

IGNORE = -100


@dataclass
class TrainConfig:
    seed: int = 1234
    steps: int = 800
    batch_size: int = 12
    lr: float = 2e-3
    min_lr: float = 1e-4
    warmup: int = 50
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_pieces: int = 60  # validation pieces scored during training (all of them at the end)
    transpose_low: int = -5
    transpose_high: int = 6
    threads: int = 1
    model: dict = field(
        default_factory=lambda: {
            "d_model": 128,
            "n_layers": 4,
            "n_heads": 4,
            "d_ff": 512,
            "max_len": 256,
            "dropout": 0.1,
            "conditioning": True,
        }
    )


def random_transposition(
    tokens: np.ndarray, rng: np.random.Generator, low: int, high: int
) -> tuple[np.ndarray, int]:
    """The tokens in a random transposition and the shift in semitones."""
    lo, hi = vocab.pitch_range(tokens)
    shift = int(rng.integers(max(low, 24 - lo), min(high, 108 - hi) + 1)) if lo <= hi else 0
    return (vocab.transpose(tokens, shift) if shift else tokens.astype(np.int64)), shift


def piece_sequence(
    piece: corpus.Piece, rng: np.random.Generator, cfg: TrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """``[mode, tempo, events..., EOS]`` in a random transposition, and its ``[key, tempo]`` row."""
    tokens, shift = random_transposition(piece.tokens, rng, cfg.transpose_low, cfg.transpose_high)
    head = np.array([vocab.mode_token(piece.mode), vocab.tempo_token(piece.tempo)], dtype=np.int64)
    return np.concatenate([head, tokens, np.array([vocab.EOS], dtype=np.int64)]), corpus.conditioning(
        piece, shift
    )


def pack_window(pieces: list[corpus.Piece], rng: np.random.Generator, cfg: TrainConfig, length: int):
    """One (input, target, per-position conditioning) triple of ``length`` tokens, packed as the
    module docstring says."""
    need = length + 1
    seq, cond = piece_sequence(pieces[int(rng.integers(len(pieces)))], rng, cfg)
    start = int(rng.integers(0, max(1, len(seq) - 2)))
    if start > 0:
        start = max(start, 2)
        seq = np.concatenate([seq[:2], seq[start:]])
    parts = [seq]
    conds = [np.repeat(cond[None], len(seq), axis=0)]
    total = len(seq)
    while total < need:
        nxt, cond = piece_sequence(pieces[int(rng.integers(len(pieces)))], rng, cfg)
        parts.append(nxt)
        conds.append(np.repeat(cond[None], len(nxt), axis=0))
        total += len(nxt)
    window = np.concatenate(parts)[:need]
    x = window[:-1].copy()
    y = window[1:].copy()
    c = np.concatenate(conds)[: need - 1].copy()  # the conditioning of each *input* token's piece
    conditioning = y < vocab.NOTE_ON_BASE
    conditioning &= y != vocab.EOS
    y[conditioning] = IGNORE
    return x, y, c


def batch(pieces, rng, cfg: TrainConfig, length: int):
    import torch

    xs, ys, cs = zip(*(pack_window(pieces, rng, cfg, length) for _ in range(cfg.batch_size)), strict=True)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys)), torch.from_numpy(np.stack(cs))


def piece_nll(model, seq: np.ndarray, cond: np.ndarray | None = None) -> tuple[float, int]:
    """Summed NLL (nats) of a piece's events and EOS, given its conditioning tokens. Pieces longer
    than the context are scored with half-overlapping windows (each token with >= half a context
    of history), every token exactly once. ``cond``: the piece's ``[key, tempo]`` (conditioned models)."""
    import torch
    import torch.nn.functional as F

    length = model.cfg.max_len
    total, count = 0.0, 0
    body_start = 2  # first scored target index in seq
    scored_until = body_start  # seq index up to which targets are scored
    while scored_until < len(seq):
        if len(seq) <= length + 1 or scored_until == body_start:
            window_start = 0
        else:
            window_start = max(0, scored_until - length // 2)
        if window_start == 0:
            window = seq[: length + 1]
            offset = 0
        else:
            window = np.concatenate([seq[:2], seq[window_start : window_start + length - 1]])
            offset = window_start - 2
        x = torch.from_numpy(window[:-1][None])
        c = None if cond is None else torch.from_numpy(cond[None])
        with torch.no_grad():
            logits, _ = model(x, cond=c)
        logp = F.log_softmax(logits[0], dim=-1)
        targets = torch.from_numpy(window[1:])
        positions = torch.arange(len(targets)) + 1 + offset  # seq index of each target
        keep = positions >= scored_until
        keep &= positions >= body_start
        if window_start > 0:
            keep &= torch.arange(len(targets)) >= 1  # the re-inserted tempo token is not a target
        picked = logp[torch.arange(len(targets)), targets][keep]
        total -= float(picked.sum())
        count += int(keep.sum())
        scored_until = int(positions[-1]) + 1
    return total, count


def validation_nll(model, pieces: list[corpus.Piece], key_shift: int = 0) -> float:
    """Mean NLL per event (nats) over the given pieces, untransposed. ``key_shift`` moves only the
    conditioning key (not the notes): a diagnostic of whether the model reads the tonic."""
    model.eval()
    total, count = 0.0, 0
    for piece in pieces:
        t, c = piece_nll(model, corpus.sequence(piece), corpus.conditioning(piece, key_shift))
        total += t
        count += c
    model.train()
    return total / max(1, count)


def learning_rate(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


def train(out_dir: Path, cfg: TrainConfig, log: Callable[[str], None]) -> dict:
    import torch

    from engine.music.model import ModelConfig, MusicTransformer

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(cfg.seed)

    pieces, summary = corpus.load_pieces()
    train_pieces = [p for p in pieces if p.split == "train"]
    val_pieces = [p for p in pieces if p.split == "validation"]
    log(f"data: {json.dumps(summary)}")
    val_subset = [
        val_pieces[i] for i in np.random.default_rng(0).permutation(len(val_pieces))[: cfg.eval_pieces]
    ]

    model_cfg = ModelConfig(vocab_size=vocab.VOCAB_SIZE, **cfg.model)
    model = MusicTransformer(model_cfg)
    n_params = model.n_params()
    log(f"model: {n_params} parameters, {json.dumps(model_cfg.to_dict())}")
    log(f"train config: {json.dumps(asdict(cfg))}")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.endswith("rel")]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or n.endswith("rel")]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.98),
    )
    history: list[dict] = []
    started = time.monotonic()
    running = 0.0
    model.train()
    for step in range(cfg.steps):
        for group in optim.param_groups:
            group["lr"] = learning_rate(step, cfg)
        x, y, c = batch(train_pieces, rng, cfg, model_cfg.max_len)
        logits, _ = model(x, cond=c)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, model_cfg.vocab_size), y.reshape(-1), ignore_index=IGNORE
        )
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optim.step()
        running += float(loss.detach())
        if (step + 1) % 20 == 0:
            elapsed = time.monotonic() - started
            rate = (step + 1) * cfg.batch_size * model_cfg.max_len / elapsed
            lr = learning_rate(step, cfg)
            log(
                f"step {step + 1}/{cfg.steps} train_loss {running / 20:.4f} lr {lr:.2e} "
                f"elapsed {elapsed:.0f} s ({rate:.0f} tok/s)"
            )
            running = 0.0
        if (step + 1) % cfg.eval_every == 0 and step + 1 < cfg.steps:
            val = validation_nll(model, val_subset)
            history.append({"step": step + 1, "val_nll_subset": round(val, 4)})
            log(f"step {step + 1} validation NLL/event ({len(val_subset)} pieces) {val:.4f}")
    train_seconds = time.monotonic() - started
    val = validation_nll(model, val_pieces)
    log(f"final validation NLL/event (all {len(val_pieces)} pieces) {val:.4f}; took {train_seconds:.0f} s")
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save({"config": model_cfg.to_dict(), "state_dict": state}, out_dir / "model.pt")
    result = {
        "parameters": n_params,
        "train_seconds": round(train_seconds, 1),
        "val_nll_per_event": round(val, 4),
        "history": history,
        "data": summary,
    }
    (out_dir / "config.json").write_text(
        json.dumps(
            {"model": model_cfg.to_dict(), "train": asdict(cfg), "vocab_size": vocab.VOCAB_SIZE}, indent=2
        )
        + "\n"
    )
    (out_dir / "training.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
