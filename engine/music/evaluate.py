"""``python -m engine.music evaluate``: what the checkpoint is worth, on pieces it never saw.

1. Held-out NLL per event (nats) of the Transformer vs a 2nd-order Markov chain fitted to the same
   training pieces (once as they are, once with all the transpositions training used; the better of
   the two is the baseline to beat). Also the Transformer's NLL with each piece's mode token
   swapped (same tonic, other mode): if it is higher, the model really reads the conditioning; and
   (key-conditioned models) with the conditioning key moved a tritone away from the notes.
2. Key consistency of generated pieces: music21's key analysis (``analyze("key")``) of each piece,
   its correlation coefficient, the share of note time inside the analysed key's scale, and whether
   the first and second half agree on the key -- next to the same figures for held-out real tunes.
   A key-conditioned model is asked for tonic ``seed % 12``; the share of pieces whose analysed
   tonic and mode are exactly the asked key is reported too.
3. Mode conditioning: share of minor-conditioned pieces that music21 hears as minor, against the
   share of major-conditioned pieces heard as minor -- from the mode token alone (raw, and at the
   story's temperature) and with the story's best-of-4 selection (``compose.generate_in_mode``).
4. Sampling speed: seconds of music per second of generation with the KV cache (and without, for
   the same piece) on the machine's cores.

Writes ``metrics.json`` beside the checkpoint (unless --no-write).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.music import corpus, vocab

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor plus the leading tone


def to_stream(notes: list[vocab.Note]):
    from music21 import note, stream

    s: Any = stream.Stream()
    for n in notes:
        m = note.Note(n.pitch, quarterLength=(n.end - n.start) / vocab.STEPS_PER_QUARTER)
        s.insert(n.start / vocab.STEPS_PER_QUARTER, m)
    return s


def key_figures(notes: list[vocab.Note]) -> dict:
    key = to_stream(notes).analyze("key")
    tonic = key.tonic.pitchClass
    scale = MAJOR_SCALE if key.mode == "major" else MINOR_SCALE
    total = sum(n.end - n.start for n in notes)
    inside = sum(n.end - n.start for n in notes if (n.pitch - tonic) % 12 in scale)
    half = (notes[-1].end if notes else 0) // 2
    first = [n for n in notes if n.start < half]
    second = [n for n in notes if n.start >= half]
    same = None
    if len(first) >= 4 and len(second) >= 4:
        a, b = to_stream(first).analyze("key"), to_stream(second).analyze("key")
        same = a.tonic.pitchClass == b.tonic.pitchClass and a.mode == b.mode
    return {
        "tonic": tonic,
        "mode": key.mode,
        "correlation": float(key.correlationCoefficient),
        "in_scale": inside / max(1, total),
        "halves_agree": same,
    }


def summarise(figures: list[dict]) -> dict:
    agree = [f["halves_agree"] for f in figures if f["halves_agree"] is not None]
    asked = [
        f["tonic"] == f["asked_key"][0] and f["mode"] == f["asked_key"][1]
        for f in figures
        if "asked_key" in f
    ]
    extra = {"analysed_key_is_asked_key_rate": round(float(np.mean(asked)), 3)} if asked else {}
    return {
        **extra,
        "pieces": len(figures),
        "mean_key_correlation": round(float(np.mean([f["correlation"] for f in figures])), 3),
        "mean_in_scale_share": round(float(np.mean([f["in_scale"] for f in figures])), 3),
        "halves_same_key_rate": round(float(np.mean(agree)), 3) if agree else None,
        "analysed_minor_rate": round(float(np.mean([f["mode"] == "minor" for f in figures])), 3),
    }


def in_c(piece: corpus.Piece) -> corpus.Piece:
    """The piece transposed so its analysed tonic is C (a shift of -6..+5 semitones): the Markov
    baseline's way to know the key, which the key-conditioned Transformer gets as an embedding."""
    shift = (6 - corpus.tonic_pc(piece)) % 12 - 6
    lo, hi = vocab.pitch_range(piece.tokens)
    shift += 12 if lo + shift < 0 else -12 if hi + shift > 127 else 0
    return corpus.Piece(
        **{**piece.__dict__, "tokens": vocab.transpose(piece.tokens, shift), "key": f"C {piece.mode}"}
    )


def markov_baselines(train_pieces, val_pieces, log) -> dict:
    """Three 2nd-order chains: as the pieces are; with every training transposition; and every
    piece (training *and* held-out) moved to C, which gives the chain the same key information the
    key-conditioned Transformer gets (the mode token is in its context at the start)."""
    from engine.music.markov import MarkovModel

    plain = [corpus.sequence(p) for p in train_pieces]
    augmented = []
    for p in train_pieces:
        lo, hi = vocab.pitch_range(p.tokens)
        for shift in range(max(-5, 24 - lo), min(6, 108 - hi) + 1):
            q = corpus.Piece(**{**p.__dict__, "tokens": vocab.transpose(p.tokens, shift)})
            augmented.append(corpus.sequence(q))
    in_key = [corpus.sequence(in_c(p)) for p in train_pieces]
    val_plain = [corpus.sequence(p) for p in val_pieces]
    val_in_key = [corpus.sequence(in_c(p)) for p in val_pieces]
    result = {}
    for name, seqs, val in (
        ("markov2_plain", plain, val_plain),
        ("markov2_transposed", augmented, val_plain),
        ("markov2_key_relative", in_key, val_in_key),
    ):
        model = MarkovModel(vocab.VOCAB_SIZE).fit(seqs)
        total, count = 0.0, 0
        for seq in val:
            t, c = model.sequence_nll(seq)
            total += t
            count += c
        result[name] = round(total / count, 4)
        log(f"{name}: held-out NLL/event {total / count:.4f} ({count} events)")
    return result


def evaluate(
    checkpoint: Path,
    pieces_per_mode: int = 40,
    write: bool = True,
    log: Callable = print,
    threads: int | None = None,
) -> dict:
    import torch

    from engine.device import cpu_threads
    from engine.music.checkpoint import load_model
    from engine.music.sampling import SampleSettings, generate
    from engine.music.train import validation_nll

    model = load_model(checkpoint)
    pieces, summary = corpus.load_pieces()
    train_pieces = [p for p in pieces if p.split == "train"]
    val_pieces = [p for p in pieces if p.split == "validation"]
    log(f"held-out pieces: {len(val_pieces)} (train {len(train_pieces)})")

    torch.set_num_threads(threads or cpu_threads())
    t0 = time.perf_counter()
    model_nll = validation_nll(model, val_pieces)
    log(f"music-transformer: held-out NLL/event {model_nll:.4f} ({time.perf_counter() - t0:.0f} s)")
    swapped = [
        corpus.Piece(**{**p.__dict__, "mode": "minor" if p.mode == "major" else "major"}) for p in val_pieces
    ]
    swapped_nll = validation_nll(model, swapped)
    log(
        f"music-transformer with the mode token swapped: NLL/event {swapped_nll:.4f} (does it use the token?)"
    )
    conditioned = bool(getattr(model.cfg, "conditioning", False))
    shifted_nll = None
    if conditioned:
        shifted_nll = validation_nll(model, val_pieces, key_shift=6)
        log(f"music-transformer with the conditioning key a tritone off: NLL/event {shifted_nll:.4f}")
    baselines = markov_baselines(train_pieces, val_pieces, log)
    best_baseline = min(baselines.values())

    real = [key_figures(vocab.decode([int(t) for t in p.tokens])) for p in val_pieces[: 2 * pieces_per_mode]]
    real_summary = summarise(real)
    log(f"held-out real tunes: {real_summary}")
    generated_blocks = {}
    from engine.music.compose import CANDIDATES, generate_in_mode

    runs = (
        ("raw", 1.0, 0.95, 1),
        ("story_settings", 0.85, 0.92, 1),
        ("story_with_selection", 0.85, 0.92, CANDIDATES),
    )
    for label, temperature, top_p, candidates in runs:
        log(f"generating {pieces_per_mode} pieces per mode (temperature {temperature}, top-p {top_p}) ...")
        generated: dict[str, list[dict]] = {"major": [], "minor": []}
        settings = SampleSettings(temperature=temperature, top_p=top_p, max_steps=128, min_steps=64)
        for mode in ("major", "minor"):
            for i in range(pieces_per_mode):
                tempo = vocab.TEMPOS[i % 3]
                seed = 10_000 + i
                tonic = seed % 12
                if candidates == 1:
                    notes = vocab.decode(generate(model, mode, tempo, settings, seed=seed, tonic=tonic))
                else:
                    _, notes, _ = generate_in_mode(
                        model, mode, tempo, settings, seed, candidates, tonic=tonic
                    )
                if len(notes) >= 8:
                    figures = key_figures(notes)
                    if conditioned:
                        figures["asked_key"] = (tonic, mode)
                    generated[mode].append(figures)
        block = {
            "temperature": temperature,
            "top_p": top_p,
            "candidates_per_piece": candidates,
            "sixteenths": [64, 128],
            "both_modes": summarise(generated["major"] + generated["minor"]),
            "minor_conditioned_analysed_minor_rate": summarise(generated["minor"])["analysed_minor_rate"],
            "major_conditioned_analysed_minor_rate": summarise(generated["major"])["analysed_minor_rate"],
        }
        generated_blocks[label] = block
        log(f"generated ({label}): {block['both_modes']}")
        log(
            f"mode conditioning ({label}): analysed as minor | minor-conditioned "
            f"{block['minor_conditioned_analysed_minor_rate']:.2f} | major-conditioned "
            f"{block['major_conditioned_analysed_minor_rate']:.2f}"
        )

    # speed: one 60 s piece at 100 bpm (400 sixteenths), cached and uncached, same seed
    steps = 400
    music_seconds = steps * 60.0 / 100 / vocab.STEPS_PER_QUARTER
    speed_settings = SampleSettings(max_steps=steps, min_steps=steps)
    t0 = time.perf_counter()
    cached = generate(model, "major", "medium", speed_settings, seed=7, use_cache=True)
    cached_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = generate(model, "major", "medium", speed_settings, seed=7, use_cache=False)
    plain_s = time.perf_counter() - t0
    log(
        f"sampling {len(cached)} tokens = {music_seconds:.0f} s of music: KV cache {cached_s:.2f} s "
        f"({music_seconds / cached_s:.1f}x real time), no cache {plain_s:.2f} s "
        f"({music_seconds / plain_s:.1f}x); same tokens: {cached == plain}; threads {torch.get_num_threads()}"
    )

    metrics = {
        "validation_pieces": len(val_pieces),
        "validation_events": int(sum(len(p.tokens) + 1 for p in val_pieces)),
        "nll_per_event": {"music_transformer": round(model_nll, 4), **baselines},
        "nll_improvement_over_best_markov": round(best_baseline - model_nll, 4),
        "nll_with_swapped_mode_token": round(swapped_nll, 4),
        **({"nll_with_key_a_tritone_off": round(shifted_nll, 4)} if shifted_nll is not None else {}),
        "perplexity": {
            "music_transformer": round(float(np.exp(model_nll)), 3),
            "best_markov": round(float(np.exp(best_baseline)), 3),
        },
        "generated_per_mode": pieces_per_mode,
        "generated": generated_blocks,
        "held_out_real": real_summary,
        "sampling_speed": {
            "music_seconds": music_seconds,
            "tokens": len(cached),
            "kv_cache_seconds": round(cached_s, 3),
            "kv_cache_realtime_factor": round(music_seconds / cached_s, 1),
            "no_cache_seconds": round(plain_s, 3),
            "no_cache_realtime_factor": round(music_seconds / plain_s, 1),
            "cached_equals_uncached": cached == plain,
            "torch_threads": torch.get_num_threads(),
        },
        "data": summary,
    }
    training = checkpoint / "training.json"
    if training.exists():
        metrics["training"] = json.loads(training.read_text())
    if write:
        (checkpoint / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        log(f"wrote {checkpoint / 'metrics.json'}")
    return metrics
