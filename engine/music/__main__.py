"""``python -m engine.music prepare | train | evaluate | sample`` — the music block on its own.

- prepare: parse the corpus into the token cache (slow once, instant after).
- train: reproduce the shipped checkpoint from scratch (``engine/music/checkpoint/``).
- evaluate: held-out NLL vs the Markov baseline, key consistency, mode conditioning, speed.
- sample: ``--mood sad --seconds 60 -o x.mid`` (or ``x.wav``: MIDI plus FluidSynth rendering).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.music.checkpoint import CHECKPOINT_DIR


def _logger(path: Path | None):
    handle = None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding="utf-8")

    def log(message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        print(line, flush=True)
        if handle is not None:
            handle.write(line + "\n")
            handle.flush()

    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.music", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="parse the music21 corpus into the token cache")
    p_train = sub.add_parser("train", help="train the checkpoint from scratch")
    p_train.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    p_train.add_argument("--steps", type=int, default=None, help="override the step count (for trials)")
    p_eval = sub.add_parser("evaluate", help="held-out metrics of the checkpoint")
    p_eval.add_argument("--checkpoint", type=Path, default=CHECKPOINT_DIR)
    p_eval.add_argument("--pieces", type=int, default=40, help="generated pieces per mode")
    p_eval.add_argument("--no-write", action="store_true", help="print only, do not update metrics.json")
    p_eval.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p_sample = sub.add_parser("sample", help="generate a piece for a mood")
    p_sample.add_argument("--mood", default="calm")
    p_sample.add_argument("--seconds", type=float, default=60.0)
    p_sample.add_argument("--seed", type=int, default=42)
    p_sample.add_argument("--soundfont", type=Path, default=None)
    p_sample.add_argument("-o", "--output", type=Path, required=True, help=".mid or .wav")
    args = parser.parse_args(argv)

    if args.command == "prepare":
        from engine.music import corpus

        log = _logger(None)
        root = corpus.prepare(log=log)
        _, summary = corpus.load_pieces(root)
        log(f"token cache {root}: {summary}")
        return 0
    if args.command == "train":
        from engine.music import corpus
        from engine.music.train import TrainConfig, train

        cfg = TrainConfig()
        if args.steps is not None:
            cfg.steps = args.steps
        log = _logger(args.out / "train.log")
        corpus.prepare(log=log)
        result = train(args.out, cfg, log)
        log(f"checkpoint written to {args.out} (val NLL/event {result['val_nll_per_event']})")
        return 0
    if args.command == "evaluate":
        from engine.music.evaluate import evaluate

        evaluate(
            args.checkpoint,
            pieces_per_mode=args.pieces,
            write=not args.no_write,
            log=_logger(None),
            threads=args.threads,
        )
        return 0
    if args.command == "sample":
        from engine.music.compose import sample_to_file

        info = sample_to_file(args.mood, args.seconds, args.output, seed=args.seed, soundfont=args.soundfont)
        for key, value in info.items():
            print(f"{key}: {value}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
