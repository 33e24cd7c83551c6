"""Does the composer draw the scene — its characters, nothing else, in varied frames? Before/after figures.

Usage:
    python bench/image_scene_bench.py --out DIR [--engine-root PATH] [--size 640x360] [STORY_JSON ...]

Draws ten stories with the composer (``bench/scene_stories.py``: hand-written cast and scene fields in
the writer's schema; or engine-made ``story.json`` files given as arguments) and prints, per story and
overall:
- named drawn: share of the characters a scene lists (``scene.characters``) that its picture shows;
- scenes with extras: share of scenes whose picture shows a figure that is not in the scene (neither a
  listed character nor a thing its action, tags or place name);
- floating parts: drawings of body parts or abstract words (an eye, a heart) — must be 0;
- neighbour difference: mean absolute pixel difference (0–255) and perceptual-hash (dHash, 64 bits)
  distance between consecutive pictures, mean and minimum (0 = identical frames).
``--engine-root`` runs another checkout's engine (e.g. main's, for the "before" figures): only
``engine.images.illustrate(story, folder, size, report, backend)`` is used, which both layouts have.
Scenes get the part-of-speech filter's nouns as ``image_prompt``/``keywords`` (what the text block
gives every story), so a composer that ignores the scene fields still has its usual input.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from itertools import pairwise
from pathlib import Path
from statistics import mean
from typing import Any

HERE = Path(__file__).resolve().parent

#: Body parts and abstract words (English twins and Russian lemmas) that must never be a drawn figure.
FLOATING = set(
    [
        "eye",
        "eyes",
        "hand",
        "foot",
        "leg",
        "ear",
        "nose",
        "mouth",
        "tooth",
        "tongue",
        "heart",
        "hair",
        "face",
        "head",
        "finger",
        "wing",
        "tail",
        "paw",
        "claw",
        "bone",
        "blood",
        "tear",
        "smile",
        "love",
        "fear",
        "dream",
        "idea",
        "thought",
        "magic",
        "глаз",
        "рука",
        "нога",
        "ухо",
        "нос",
        "рот",
        "зуб",
        "язык",
        "сердце",
        "волос",
        "лицо",
        "голова",
        "палец",
        "крыло",
        "хвост",
        "лапа",
        "коготь",
        "кость",
        "кровь",
        "слеза",
        "улыбка",
        "любовь",
        "страх",
        "сон",
        "мечта",
        "мысль",
        "магия",
    ]
)


#: Words of a look line that say nothing about what the character is.
LOOK_NOISE = set(
    [
        "a",
        "an",
        "the",
        "with",
        "and",
        "in",
        "of",
        "on",
        "his",
        "her",
        "its",
        "their",
        "small",
        "big",
        "little",
        "large",
        "tall",
        "short",
        "old",
        "young",
        "long",
        "wide",
        "white",
        "black",
        "red",
        "green",
        "blue",
        "yellow",
        "brown",
        "grey",
        "gray",
        "pink",
        "orange",
        "purple",
        "golden",
        "silver",
        "dark",
        "light",
        "pretty",
    ]
)


def en_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def noun_filter(text: str) -> list[str]:
    """The text block's POS filter in miniature: nouns (Russian lemmas via pymorphy3, English words)."""
    import pymorphy3

    morph = _morph(pymorphy3)
    out: list[str] = []
    for word in re.findall(r"[A-Za-zА-Яа-яЁё]+", text):
        if re.match(r"[A-Za-z]", word):
            if len(word) > 3 and word.lower() not in out:
                out.append(word.lower())
            continue
        p = morph.parse(word.lower())[0]
        if p.tag.POS == "NOUN" and p.normal_form not in out:
            out.append(p.normal_form)
    return out


_MORPH: list[Any] = []


def _morph(pymorphy3: Any) -> Any:
    if not _MORPH:
        _MORPH.append(pymorphy3.MorphAnalyzer())
    return _MORPH[0]


def character_vocab(member: dict[str, Any]) -> set[str]:
    """Words by which a drawn row can be recognised as this character (either composer's rows)."""
    words = en_words(member["kind_en"]) | (en_words(member.get("look_en", "")) - LOOK_NOISE)
    for word in re.findall(r"[А-Яа-яЁёA-Za-z]+", member["name"]):
        words |= set(noun_filter(word)) | {word.lower()}
    if member["kind_en"] in ("girl", "boy", "old man", "old woman", "pirate", "farmer"):
        words |= {"woman", "girl", "man", "person", "boy", "old"}  # OpenMoji's people variants
    return words


def row_vocab(row: dict[str, Any]) -> set[str]:
    words = {str(row.get(k, "")).lower() for k in ("en", "lemma") if row.get(k)}
    return words | en_words(str(row.get("name", ""))) | en_words(str(row.get("en", "")))


def same_thing(row: dict[str, Any], words: set[str]) -> bool:
    """Whether a drawn row names one of ``words`` ("goldfish" is a fish, "bunny" is not a rabbit)."""
    mine = row_vocab(row)
    return bool(mine & words) or any(len(w) >= 3 and w in m for w in words for m in mine)


def dhash(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = list(small.tobytes())
    bits = 0
    for y in range(8):
        for x in range(8):
            bits = (bits << 1) | int(px[y * 9 + x] > px[y * 9 + x + 1])
    return bits


def pixel_diff(a: Path, b: Path) -> float:
    import numpy as np
    from PIL import Image

    with Image.open(a) as ia, Image.open(b) as ib:
        x = np.asarray(ia.convert("RGB").resize((320, 180)), np.int16)
        y = np.asarray(ib.convert("RGB").resize((320, 180)), np.int16)
    return float(np.abs(x - y).mean())


def score_scene(scene: Any, cast: dict[str, dict[str, Any]]) -> dict[str, Any]:
    figures = [r for r in scene.image_matches if r.get("role") in ("subject", "cast")]
    named = [cast[k] for k in scene.characters if k in cast]
    drawn = [any(same_thing(r, character_vocab(m)) for r in figures) for m in named]
    allowed = set().union(*(character_vocab(m) for m in named)) if named else set()
    allowed |= en_words(" ".join(scene.tags_en)) | en_words(scene.action_en) | en_words(scene.place_en)
    allowed |= set(noun_filter(scene.text))
    extras = [r for r in figures if not same_thing(r, allowed)]
    # the word that chose the drawing, not the drawing's name ("dragon face" is a dragon)
    floating = [
        r for r in figures if {str(r.get("en", "")).lower(), str(r.get("lemma", "")).lower()} & FLOATING
    ]
    return {
        "named": len(named),
        "named_drawn": sum(drawn),
        "extras": [r.get("en") or r.get("lemma") for r in extras],
        "floating": [r.get("en") or r.get("lemma") for r in floating],
    }


def run_story(data: dict[str, Any], folder: Path, size: tuple[int, int]) -> dict[str, Any]:
    from engine.images import illustrate
    from engine.progress import null_reporter
    from engine.story import Story

    known = set(Story.__dataclass_fields__)
    story = Story.from_dict(
        {k: v for k, v in data.items() if k in known} if "cast" in known else _strip(data)
    )
    for scene in story.scenes:
        if not scene.keywords:
            scene.keywords = noun_filter(scene.text)
            scene.image_prompt = " ".join(scene.keywords)
        scene.image = None
    if folder.exists():  # a fresh folder: a saved cast.json would keep an earlier run's drawings
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    illustrate(story, folder, size, null_reporter("images"), "composer")
    cast = {m["key"]: m for m in data.get("cast", [])}
    scenes = [score_scene(s, cast) for s in story.scenes]
    paths = [folder / s.image for s in story.scenes]
    diffs = [pixel_diff(a, b) for a, b in pairwise(paths)]
    hashes = [bin(dhash(a) ^ dhash(b)).count("1") for a, b in pairwise(paths)]
    return {"prompt": story.prompt, "scenes": scenes, "diffs": diffs, "hashes": hashes}


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    """A story dict for an engine whose Story has no cast/scene fields yet."""
    data = {k: v for k, v in data.items() if k not in ("cast", "style_en")}
    keep = {"index", "text", "image_prompt", "keywords"}
    data["scenes"] = [{k: v for k, v in s.items() if k in keep} for s in data["scenes"]]
    return data


def summary(results: list[dict[str, Any]]) -> dict[str, float]:
    scenes = [s for r in results for s in r["scenes"]]
    with_named = [s for s in scenes if s["named"]]
    diffs = [d for r in results for d in r["diffs"]]
    hashes = [h for r in results for h in r["hashes"]]
    return {
        "stories": len(results),
        "scenes": len(scenes),
        "named_drawn": sum(s["named_drawn"] for s in with_named)
        / max(1, sum(s["named"] for s in with_named)),
        "scenes_all_named_drawn": sum(s["named_drawn"] == s["named"] for s in with_named)
        / max(1, len(with_named)),
        "scenes_with_extras": sum(bool(s["extras"]) for s in scenes) / max(1, len(scenes)),
        "floating_parts": sum(len(s["floating"]) for s in scenes),
        "neighbour_pixel_diff_mean": mean(diffs) if diffs else 0.0,
        "neighbour_pixel_diff_min": min(diffs) if diffs else 0.0,
        "neighbour_dhash_mean": mean(hashes) if hashes else 0.0,
        "neighbour_dhash_min": min(hashes) if hashes else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stories", nargs="*", type=Path, help="story.json files (default: the ten built in)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--engine-root", type=Path, default=HERE.parent)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.engine_root.resolve()))
    sys.path.insert(1, str(HERE))
    w, h = (int(v) for v in args.size.split("x"))
    if args.stories:
        datas = [json.loads(p.read_text("utf-8")) for p in args.stories]
    else:
        from scene_stories import story_dicts

        datas = story_dicts()
    results = []
    for n, data in enumerate(datas):
        result = run_story(data, args.out / f"story_{n:02d}", (w, h))
        results.append(result)
        s = summary([result])
        print(f"{n:2d} {result['prompt'][:40]:<40} named {s['named_drawn']:.2f}  extras {s['scenes_with_extras']:.2f}"
              f"  floating {s['floating_parts']}  diff {s['neighbour_pixel_diff_mean']:5.1f}"
              f"  dhash {s['neighbour_dhash_mean']:4.1f} (min {s['neighbour_dhash_min']})", flush=True)  # fmt: skip
        for i, sc in enumerate(result["scenes"], 1):
            if sc["extras"] or sc["floating"] or sc["named_drawn"] < sc["named"]:
                print(f"     scene {i}: drawn {sc['named_drawn']}/{sc['named']} extras {sc['extras']}"
                      f" floating {sc['floating']}")  # fmt: skip
    total = summary(results)
    print("overall " + json.dumps({k: round(v, 3) for k, v in total.items()}))
    if args.json:
        args.json.write_text(json.dumps({"overall": total, "stories": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
