"""End-to-end benchmark: one fixed prompt and seed through the whole pipeline on this machine.

Prints each stage's wall time, the end-to-end time, the video's duration and their ratio
(end-to-end seconds per second of video; below 1.0 means the job finishes faster than the video
plays). With ``--runs 2`` the second run shows the warm figures (models already loaded).
Stages overlap (narration runs beside images → upscale), so their shares add up to more than 100 %.

    .venv/bin/python bench/bench_story.py                 # Russian, embedded defaults
    .venv/bin/python bench/bench_story.py --lang en --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.pipeline import run_story
from engine.story import STAGES, StoryRequest

PROMPTS = {
    "ru": "Жил-был маленький дракон, который боялся темноты. Однажды ночью он отправился искать потерянную звезду.",
    "en": "A lighthouse keeper finds a talking seagull that knows where the lost ship is.",
}


def _llm_counters() -> tuple[int, float]:
    """(tokens generated, seconds spent generating) by the warm text backends of this process."""
    from engine.text.backends import loaded_backends

    stats = [b.stats for b in loaded_backends() if isinstance(getattr(b, "stats", None), dict)]
    return sum(int(s.get("completion_tokens", 0)) for s in stats), sum(
        float(s.get("seconds", 0)) for s in stats
    )


def bench_once(request: StoryRequest) -> dict:
    tokens_before, seconds_before = _llm_counters()
    with tempfile.TemporaryDirectory(prefix="digiteller-bench-") as tmp:
        started = time.perf_counter()
        story = run_story(request, Path(tmp) / "story")
        total = time.perf_counter() - started
    duration = float(story.video.get("duration", 0.0))
    tokens_after, seconds_after = _llm_counters()
    tokens, in_model = tokens_after - tokens_before, seconds_after - seconds_before
    return {
        "title": story.title,
        "stages": {s: story.timings.get(s, 0.0) for s in STAGES},
        "end_to_end_s": round(total, 2),
        "video_s": round(duration, 2),
        "ratio": round(total / duration, 3) if duration else None,
        "scenes": len(story.scenes),
        "size_mb": round(story.video.get("size_bytes", 0) / 1e6, 2),
        "backends": story.backends,
        # tokens/s counts prompt evaluation and sampling time too: what a story costs, not peak speed
        "text_tokens": tokens,
        "text_tokens_per_s": round(tokens / in_model, 1) if in_model else None,
        "text_chars": len(story.text),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lang", choices=tuple(PROMPTS), default="ru")
    parser.add_argument("--runs", type=int, default=1, help="runs in one process (2nd+ are warm)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    request = StoryRequest(PROMPTS[args.lang], lang=args.lang, seed=args.seed)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"prompt ({args.lang}, seed {args.seed}): {request.prompt}")
    results = []
    for run in range(args.runs):
        r = bench_once(request)
        results.append(r)
        label = "cold" if run == 0 else "warm"
        print(f"\nrun {run + 1} ({label}): «{r['title']}», {r['scenes']} scenes, {r['size_mb']} MB")
        for stage, seconds in r["stages"].items():
            share = seconds / r["end_to_end_s"] * 100 if r["end_to_end_s"] else 0
            print(
                f"  {stage:<8} {seconds:7.2f} s  {share:5.1f}% of end-to-end  ({r['backends'].get(stage, '-')})"
            )
        if r["text_tokens"]:
            print(
                f"  text: {r['text_tokens']} tokens generated at {r['text_tokens_per_s']} tokens/s "
                f"(prompt evaluation included), {r['text_chars']} characters"
            )
        print(
            f"  end-to-end {r['end_to_end_s']:.2f} s for {r['video_s']:.2f} s of video: ratio {r['ratio']} (< 1.0 = faster than it plays)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
