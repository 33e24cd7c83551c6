"""Write ten varied stories (Russian and English) with the real text block, one folder each.

The folders hold ``story.json`` only (text, scenes, image prompts, moods): enough for
``bench/image_relevance.py`` to draw and score the pictures of real engine stories, without paying
for narration and video encoding.

    .venv/bin/python bench/write_stories.py --out /tmp/stories
    .venv/bin/python bench/image_relevance.py /tmp/stories/*
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import text
from engine.progress import null_reporter
from engine.story import StoryRequest

PROMPTS: list[tuple[str, str]] = [
    ("ru", "Жил-был маленький дракон, который боялся темноты."),
    ("ru", "Кот и лиса поспорили, кто из них хитрее."),
    ("ru", "Девочка Маша заблудилась в зимнем лесу."),
    ("ru", "Старый король потерял свою корону в замке."),
    ("ru", "Рыбак поймал в море золотую рыбку."),
    ("en", "A lighthouse keeper finds a talking seagull."),
    ("en", "A brave knight must save the princess from a giant."),
    ("en", "A little robot wants to see the stars."),
    ("en", "Pirates search for treasure on a desert island."),
    ("en", "A bear and a rabbit build a house before winter."),
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to put one story folder per prompt in"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for i, (lang, prompt) in enumerate(PROMPTS):
        folder = args.out / f"{i:02d}_{lang}"
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        story = text.write_story(StoryRequest(prompt, lang=lang, seed=args.seed), null_reporter("text"))
        story.save(folder / "story.json")
        print(
            f"{folder.name}: «{story.title}», {len(story.scenes)} scenes, {time.perf_counter() - started:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
