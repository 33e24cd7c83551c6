"""Does each picture show what its scene says? Prints relevance figures for ten varied stories.

Usage:
    python bench/image_relevance.py [STORY_FOLDER ...] [--out DIR] [--size 1280x720] [--redraw]

With folders, reads each ``story.json`` (made by the engine) and draws any scene that has no image
(or all with --redraw). Without folders, uses ten hand-written stories (Russian and English, 6–8
scenes, keywords from a minimal pymorphy3 noun filter) — the text block is built in parallel, so
the benchmark does not depend on it — and draws them into --out.

Figures printed, per story and overall:
- relevance: share of scenes whose picture shows at least one thing named in the scene's own text
  (a subject, or the place itself) — the issue asks for ≥ 9 in 10;
- subjects: the same, counting drawn characters/objects only (places excluded), the stricter figure;
- identical neighbours: consecutive scenes whose pictures are (nearly) the same pixels — must be 0;
- CPU seconds per scene (process time, so other jobs on the machine do not inflate it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STORIES: list[tuple[str, str, list[str]]] = [
    (
        "ru",
        "Сказка про дракона, который боялся темноты",
        [
            "В высоких горах жил маленький дракон по имени Искра.",
            "Каждую ночь он прятался в пещере и боялся темноты.",
            "Однажды к пещере прилетела мудрая сова.",
            "Сова рассказала дракону, что звёзды светят для всех.",
            "Дракон впервые вылетел в ночное небо и увидел луну.",
            "Утром он вернулся домой, и мама-драконица обняла его.",
            "С тех пор дракон больше не боялся ночи.",
        ],
    ),
    (
        "ru",
        "Басня про лису и ворону",
        [
            "На опушке леса на ветке сидела ворона с куском сыра.",
            "Мимо пробегала хитрая лиса.",
            "Лиса остановилась под деревом и стала хвалить ворону.",
            "Ворона так обрадовалась, что громко каркнула.",
            "Сыр упал прямо к лисе в лапы.",
            "Лиса убежала в чащу, а ворона осталась ни с чем.",
        ],
    ),
    (
        "en",
        "A pirate adventure at sea",
        [
            "Captain Rosa sailed her ship across the stormy sea.",
            "A parrot sat on her shoulder and shouted at the waves.",
            "At dawn the sailors saw a small island with a single palm tree.",
            "On the beach they found an old map in a bottle.",
            "The map led them to a cave where a treasure chest was hidden.",
            "A giant octopus guarded the treasure in the water.",
            "The captain shared the gold with the octopus, and they became friends.",
            "In the evening the ship sailed home under a golden sunset.",
        ],
    ),
    (
        "ru",
        "Космическое приключение робота",
        [
            "Маленький робот жил на космической станции у далёкой планеты.",
            "Однажды он увидел в иллюминатор комету.",
            "Робот сел в ракету и полетел за кометой.",
            "На красной планете его встретил весёлый инопланетянин.",
            "Вместе они собирали звёздные камни.",
            "Ночью над планетой взошли две луны.",
            "Робот вернулся на станцию и рассказал всем о новом друге.",
        ],
    ),
    (
        "en",
        "A detective story in a rainy city",
        [
            "It was raining in the city when detective Sam got a strange letter.",
            "Someone had stolen the golden crown from the museum.",
            "Sam walked down the wet street with his umbrella.",
            "A black cat watched him from a window.",
            "In an old house he found footprints and a broken key.",
            "The thief turned out to be the museum guard.",
            "At night the crown was back in its place.",
        ],
    ),
    (
        "ru",
        "Страшная история в деревне",
        [
            "В старой деревне на краю болота стояла заброшенная изба.",
            "Ночью оттуда доносился странный вой.",
            "Смелый мальчик Петя взял фонарь и пошёл проверить.",
            "В тумане мелькнул призрак в белом.",
            "Петя поднял фонарь и увидел, что это просто коза в простыне.",
            "Утром вся деревня смеялась над страшной историей.",
        ],
    ),
    (
        "en",
        "A funny day on the farm",
        [
            "On a sunny morning the rooster overslept.",
            "The cow tried to wake the farmer instead, but she only mooed.",
            "The pig rolled in the mud and laughed.",
            "A goat climbed onto the tractor and honked the horn.",
            "The farmer ran out of the house in his pyjamas.",
            "All the animals had breakfast together in the field.",
        ],
    ),
    (
        "ru",
        "Зимняя сказка",
        [
            "Зимой в лесу выпал глубокий снег.",
            "Зайчик замёрз и искал тёплый дом.",
            "Он постучал в избушку, где жил добрый дед.",
            "Дед напоил зайчика горячим чаем у печки.",
            "Ночью в окно заглянул Дед Мороз.",
            "Он оставил под ёлкой подарок для зайчика.",
            "Утром зайчик нашёл в подарке тёплый шарф.",
        ],
    ),
    (
        "en",
        "The caravan in the desert",
        [
            "A young girl named Amira rode a camel across the desert.",
            "The sun was burning and the sand was hot.",
            "In the afternoon a sandstorm covered the dunes.",
            "The caravan found shelter near an ancient pyramid.",
            "Inside the pyramid Amira saw a sleeping lion made of stone.",
            "At night the stars guided the caravan to an oasis with palm trees.",
            "Amira drank cool water and smiled at the moon.",
        ],
    ),
    (
        "ru",
        "Русалочка и рыбак",
        [
            "У синего моря жил старый рыбак.",
            "Однажды он закинул сеть и поймал золотую рыбку.",
            "Рыбка попросила отпустить её в море.",
            "Рыбак пожалел рыбку и отпустил её.",
            "На глубине рыбка рассказала всё русалке.",
            "Русалка подарила рыбаку жемчужину.",
            "Вечером рыбак вернулся домой к своей старухе счастливым.",
        ],
    ),
]


def noun_keywords(text: str) -> list[str]:
    """The minimal noun filter: lemmas of the nouns in a scene, in order (what the text block does)."""
    from engine.images.backends.composer.wordmap import EN
    from engine.images.backends.composer.words import tokens

    seen: list[str] = []
    for t in tokens(text, EN):
        if t.noun and t.lemma not in seen:
            seen.append(t.lemma)
    return seen


def builtin_story(lang: str, prompt: str, texts: list[str], seed: int):
    from engine.story import Scene, Story

    scenes = []
    for i, text in enumerate(texts):
        kw = noun_keywords(text)
        scenes.append(Scene(index=i + 1, text=text, keywords=kw, image_prompt=" ".join(kw)))
    return Story(prompt=prompt, lang=lang, genre="fairy_tale", title=prompt, seed=seed, scenes=scenes)


def scene_figures(scene, folder: Path) -> tuple[bool, bool]:
    """(shows something named in the text, shows a named subject) for one scene."""
    from engine.images.backends.composer.wordmap import EN
    from engine.images.backends.composer.words import tokens

    text_lemmas = {t.lemma for t in tokens(scene.text, EN)}

    def in_text(
        lemma: str,
    ) -> bool:  # two-word names ("black cat", "Дед Мороз") count when both words are there
        return bool(lemma) and all(part in text_lemmas for part in lemma.split())

    named = [r for r in scene.image_matches if in_text(r.get("lemma", "")) and r.get("role") != "cast"]
    return bool(named), any(r.get("role") == "subject" for r in named)


def identical(a: Path, b: Path) -> bool:
    import numpy as np
    from PIL import Image

    with Image.open(a) as ia, Image.open(b) as ib:
        if ia.size != ib.size:
            return False
        x = np.asarray(ia.convert("RGB"), np.int16)
        y = np.asarray(ib.convert("RGB"), np.int16)
    return float(np.abs(x - y).mean()) < 2.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="where the built-in stories are drawn")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--redraw", action="store_true")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from engine.images import illustrate
    from engine.images.backends.composer.index import ensure_assets
    from engine.progress import null_reporter
    from engine.story import Story

    ensure_assets()
    jobs: list[tuple[Story, Path]] = []
    for folder in args.folders:
        path = folder / "story.json"
        if path.is_file():
            jobs.append((Story.load(path), folder))
        else:
            print(f"skip {folder}: no story.json")
    if not args.folders:
        out = args.out or Path(tempfile.mkdtemp(prefix="image-relevance-"))
        for n, (lang, prompt, texts) in enumerate(STORIES):
            jobs.append((builtin_story(lang, prompt, texts, seed=100 + n), out / f"story_{n + 1:02d}"))

    total = shown = subjects = same = pairs = 0
    cpu_per_scene: list[float] = []
    for story, folder in jobs:
        folder.mkdir(parents=True, exist_ok=True)
        if args.redraw or any(not s.image or not (folder / s.image).is_file() for s in story.scenes):
            c0 = time.process_time()
            illustrate(story, folder, (width, height), null_reporter("images"), "composer")
            cpu_per_scene.append((time.process_time() - c0) / max(1, len(story.scenes)))
            story.save(folder / "story.json")
        flags = [scene_figures(s, folder) for s in story.scenes]
        dup = sum(
            identical(folder / a.image, folder / b.image)
            for a, b in zip(story.scenes, story.scenes[1:], strict=False)
        )
        n_shown, n_subj = sum(f[0] for f in flags), sum(f[1] for f in flags)
        total += len(flags)
        shown += n_shown
        subjects += n_subj
        same += dup
        pairs += max(0, len(story.scenes) - 1)
        misses = [s.index for s, f in zip(story.scenes, flags, strict=True) if not f[0]]
        print(
            f"{folder.name:>10} [{story.lang}] {story.prompt[:44]:<44} relevance {n_shown}/{len(flags)}"
            f"  subjects {n_subj}/{len(flags)}  identical neighbours {dup}"
            + (f"  misses: scenes {misses}" if misses else "")
        )
    if not total:
        print("no scenes")
        return 1
    print(
        f"\nTOTAL {len(jobs)} stories, {total} scenes: relevance {shown}/{total} = {shown / total:.0%}, "
        f"subjects {subjects}/{total} = {subjects / total:.0%}, identical neighbours {same}/{pairs}"
    )
    if cpu_per_scene:
        mean, worst = sum(cpu_per_scene) / len(cpu_per_scene), max(cpu_per_scene)
        print(f"CPU time per scene at {width}x{height}: mean {mean:.2f} s, worst story {worst:.2f} s")
    if jobs and not args.folders:
        print(f"pictures and story.json files: {jobs[0][1].parent}")
    return 0 if shown / total >= 0.9 and same == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
