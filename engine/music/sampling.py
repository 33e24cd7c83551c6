"""Autoregressive sampling with a KV cache (temperature, nucleus / top-p, seeded).

Each step feeds only the newest token; the layers' cached keys and values stand for the rest, and
relative attention scores the new query against every cached key at its true distance (see
``model.relative_logits_gather``). That makes a step O(context) instead of O(context^2).

Longer than the context: when the window is full, it restarts from the conditioning tokens plus
the most recent half-context of events and the cache is rebuilt with one prefill. The uncached path
(``use_cache=False``, kept for the equality test and as a reference) uses the very same windows, so
both produce the same tokens for the same seed.

A key-conditioned model (``ModelConfig.conditioning``) also gets the key -- ``tonic`` (pitch class)
and mode -- and the tempo band as embeddings at every position. Without an explicit ``tonic`` the
sampler takes ``seed % 12``, so a batch of seeds covers every key.

Conditioning tokens, PAD and (before ``min_steps`` sixteenths have passed) EOS are masked out: the
caller picks the mode and tempo, and the piece must last as long as the narration asks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.music import vocab


@dataclass
class SampleSettings:
    temperature: float = 1.0
    top_p: float = 0.95
    max_steps: int = 256  # stop once this many sixteenths have passed
    min_steps: int = 0  # EOS is not allowed before this many sixteenths
    stop_at_eos: bool = True


def _pick(logits: torch.Tensor, settings: SampleSettings, generator: torch.Generator) -> int:
    logits = logits / max(1e-4, settings.temperature)
    probs = torch.softmax(logits, dim=-1)
    if settings.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        drop = cumulative - sorted_probs > settings.top_p  # keep the smallest prefix reaching top_p
        sorted_probs = sorted_probs.masked_fill(drop, 0.0)
        probs = torch.zeros_like(probs).scatter(0, order, sorted_probs)
    return int(torch.multinomial(probs, 1, generator=generator))


def generate(
    model,
    mode: str,
    tempo: str,
    settings: SampleSettings,
    seed: int,
    use_cache: bool = True,
    primer: list[int] | None = None,
    threads: int = 1,
    tonic: int | None = None,
) -> list[int]:
    """Event tokens (no conditioning, EOS dropped) for one piece.

    Runs on ``threads`` torch threads (restored afterwards): one token at a time is far too little
    work to share between cores, and on a busy machine a second thread mostly waits for its turn:
    on the shared build machine (load ~6) a token took 12-15 ms on one thread, 59 ms on two."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _generate(model, mode, tempo, settings, seed, use_cache, primer, tonic)
    finally:
        torch.set_num_threads(previous)


def _generate(
    model,
    mode: str,
    tempo: str,
    settings: SampleSettings,
    seed: int,
    use_cache: bool,
    primer: list[int] | None,
    tonic: int | None = None,
) -> list[int]:
    from engine.music.model import key_index

    generator = torch.Generator().manual_seed(seed)
    cond = None
    if getattr(model.cfg, "conditioning", False):
        key = key_index(seed % 12 if tonic is None else tonic, mode)
        cond = torch.tensor([[key, vocab.TEMPOS.index(tempo)]])
    prefix = [vocab.mode_token(mode), vocab.tempo_token(tempo)]
    events: list[int] = list(primer or [])
    max_len = model.cfg.max_len
    keep = max_len // 2
    banned = torch.zeros(model.cfg.vocab_size, dtype=torch.bool)
    banned[vocab.PAD] = True
    banned[vocab.MODE_BASE : vocab.NOTE_ON_BASE] = True
    now = sum(t - vocab.SHIFT_BASE + 1 for t in events if vocab.SHIFT_BASE <= t < vocab.VELOCITY_BASE)
    max_tokens = 8 * settings.max_steps + 64  # a guard against a model that never advances time
    window_start = max(0, len(events) - (max_len - len(prefix)))
    cache = None
    fed = 0  # tokens of the current window already in the cache
    model.eval()
    with torch.no_grad():
        for _ in range(max_tokens):
            window = prefix + events[window_start:]
            if len(window) > max_len:
                window_start = len(events) - keep
                window = prefix + events[window_start:]
                cache, fed = None, 0
            if use_cache:
                logits, cache = model(torch.tensor([window[fed:]]), cache, cond)
                fed = len(window)
            else:
                logits, _ = model(torch.tensor([window]), cond=cond)
            step_logits = logits[0, -1].float()
            mask = banned.clone()
            if now < settings.min_steps or not settings.stop_at_eos:
                mask[vocab.EOS] = True
            token = _pick(step_logits.masked_fill(mask, float("-inf")), settings, generator)
            if token == vocab.EOS:
                break
            events.append(token)
            if vocab.SHIFT_BASE <= token < vocab.VELOCITY_BASE:
                now += token - vocab.SHIFT_BASE + 1
                if now >= settings.max_steps:
                    break
    return events[len(primer or []) :]
