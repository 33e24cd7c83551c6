"""The scene composer: reads a scene, casts its characters, and composes a storybook picture.

Plan first, draw second: every scene of the story is read (words → lemmas → setting, subjects)
before any is drawn, so the cast is fixed story-wide and a scene that names nobody can still show
the hero. Composition varies from scene to scene (layouts and horizon heights rotate, so no two
neighbours are alike) while the story's look (colour grade, vignette, grain) stays the same.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, ImageDraw

from engine.images import painter
from engine.images.cast import Cast, Member
from engine.images.index import AssetIndex, Match
from engine.images.render import is_cutout
from engine.images.setting import SEASONS, SETTINGS, TIMES, WEATHER, Setting, detect
from engine.images.words import Token, lemmas, tokens
from engine.story import Scene, Story

log = logging.getLogger(__name__)

MAX_SUBJECTS = 3
MAX_SCENERY = 1
_SETTING_OF = {w: place for place, words in SETTINGS.items() for w in words}
_TIME_OF = {w: t for t, words in TIMES.items() for w in words}
_WEATHER_OF = {w: t for t, words in WEATHER.items() for w in words}
_SEASON_WORDS = {w for words in SEASONS.values() for w in words if " " not in w}
# Phrases a lemma list cannot see ("на дне" lemmatises to "на день").
_UNDERWATER = re.compile(
    r"\b(под вод|на дн[еоу]\b|морск\w* дн|underwater|under the (sea|water)|seabed)", re.I
)
# Common nouns that, in a story with a named child, are that child ("девочка Маша").
_GIRL_WORDS = {"девочка", "девчонка", "дочь", "дочка", "внучка", "девушка", "girl", "daughter"}
_BOY_WORDS = {"мальчик", "мальчишка", "сын", "внук", "юноша", "парень", "boy", "son"}
_SCENERY_KINDS = ("building", "landform", "plant")
_CHARACTER_KINDS = ("person", "creature", "flyer", "swimmer")
_WATER_PLACES = ("sea", "lake", "underwater")
_COLLECTIVE = {"животное", "зверь", "зверушка", "зверек", "зверье", "animal", "creature"}
_DRAWN_EVEN_AS_PLACE = ("flyer", "swimmer", "vehicle", "person", "creature")
_PAINTED_IN = {"room": {"окно", "window", "стена", "wall", "пол", "floor"}}  # the painter draws these
_PAINTED_PLACE_ASSET = {"sea": "painted:sea", "lake": "painted:lake", "desert": "painted:desert",
                        "underwater": "painted:underwater", "space": "painted:space", "room": "painted:room",
                        "city": "painted:city", "field": "painted:field"}  # fmt: skip

# Where the cast stands: (x as a share of the width, depth 0 = front … 1 = far), main subject first.
LAYOUTS: list[tuple[int, list[tuple[float, float]]]] = [
    (-1, [(0.33, 0.0), (0.68, 0.3), (0.86, 0.6)]),
    (1, [(0.66, 0.0), (0.3, 0.25), (0.13, 0.6)]),
    (0, [(0.5, 0.05), (0.2, 0.4), (0.8, 0.4)]),
    (-1, [(0.4, 0.1), (0.75, 0.05), (0.18, 0.55)]),
    (1, [(0.6, 0.15), (0.25, 0.0), (0.84, 0.5)]),
]
HORIZONS = (0.56, 0.62, 0.52, 0.6)


@dataclass
class Placed:
    match: Match
    member: Member
    role: str  # "subject" | "background" | "cast"


@dataclass
class ScenePlan:
    scene: Scene
    setting: Setting
    subjects: list[Placed] = field(default_factory=list)
    scenery: list[Placed] = field(default_factory=list)
    setting_words: list[Token] = field(default_factory=list)
    sky_words: list[Token] = field(default_factory=list)
    collective: list[Token] = field(default_factory=list)  # "звери", "animals": the story's creatures


def merge_bigrams(
    toks: list[Token], bigrams: dict[str, str], names: dict[str, str] | None = None
) -> list[Token]:
    """Join two-word names into one token: the word map's ("Дед Мороз", "летучая мышь") and, in
    English, emoji names ("black cat", "polar bear")."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        if i + 1 < len(toks):
            pair = f"{toks[i].lemma} {toks[i + 1].lemma}"
            key = bigrams.get(pair)
            if (
                key is None
                and names is not None
                and toks[i].lang == toks[i + 1].lang == "en"
                and pair in names
            ):
                key = pair
            if key is not None:
                a, b = toks[i], toks[i + 1]
                out.append(Token(f"{a.surface} {b.surface}", key, a.lang, True))
                i += 2
                continue
        out.append(toks[i])
        i += 1
    return out


def scene_tokens(scene: Scene, index: AssetIndex) -> list[Token]:
    """The scene's words, most important first: keywords, then the image prompt, then the text."""
    known = index.english_words
    seen: set[str] = set()
    out: list[Token] = []
    text_tokens = merge_bigrams(tokens(scene.text, known), index.bigrams, index.annotation)
    in_text = {t.lemma: t for t in reversed(text_tokens)}  # the first occurrence wins
    for t in text_tokens:  # a keyword that is half of a two-word name stands for the whole name
        if " " in t.lemma:
            for part in t.lemma.split():
                in_text.setdefault(part, t)
            for part in lemmas(t.surface):
                in_text[part] = t
    for source in (" ".join(scene.keywords), scene.image_prompt):
        for t in merge_bigrams(tokens(source, known), index.bigrams, index.annotation):
            t = in_text.get(t.lemma, t)
            if t.lemma not in seen:
                seen.add(t.lemma)
                # the text's own token knows the surface form and whether it was a capitalised name
                out.append(t)
    for t in text_tokens:
        if t.lemma not in seen:
            seen.add(t.lemma)
            out.append(t)
    return out


_NAMING = {"имя", "звать", "named", "called", "name"}


def find_aliases(texts: list[str], index: AssetIndex) -> dict[str, Token]:
    """Names given to a character: "дракон по имени Искра", "a girl named Amira", "detective Sam".

    Later mentions of the name then show the same drawing as the noun that introduced it."""
    aliases: dict[str, Token] = {}
    for text in texts:
        toks = tokens(text, index.english_words)
        last_character: Token | None = None  # the latest character named in this text
        previous: Token | None = None  # the character named by the word just before, if any
        naming = False
        for tok in toks:
            if naming and last_character is not None and tok.lemma not in aliases:
                aliases[tok.lemma] = last_character
                naming = False
                continue
            if tok.lemma in _NAMING:
                naming = True
                continue
            capitalised = tok.surface[:1].isupper()
            if (
                capitalised
                and tok.lang == "en"
                and previous is not None
                and tok.lemma not in index.english_words
                and tok.lemma not in aliases
            ):
                aliases[tok.lemma] = previous  # "detective Sam", "Captain Rosa"
                continue
            m = index.match(tok)
            previous = tok if m is not None and m.kind in _CHARACTER_KINDS else None
            last_character = previous or last_character
    return aliases


def story_style(story: Story) -> str:
    styles = list(painter.STYLES)
    return styles[zlib.crc32(f"{story.prompt}|{story.seed}".encode()) % len(styles)]


class Composer:
    """Composes every scene of one story; holds its cast and look."""

    def __init__(self, story: Story, folder: Path, index: AssetIndex | None = None) -> None:
        self.story = story
        self.folder = folder
        self.index = index or AssetIndex()
        self.cast_path = folder / "images" / "cast.json"
        self.cast = Cast.load(self.cast_path, self.index, story.seed)
        self.style = story_style(story)
        self.grain_seed = zlib.crc32(story.prompt.encode()) & 0xFFFF
        self.offset = zlib.crc32(f"{story.seed}".encode()) % len(LAYOUTS)

    # ------------------------------------------------------------------------------------ planning

    def plan(self) -> list[ScenePlan]:
        plans: list[ScenePlan] = []
        previous: Setting | None = None
        all_tokens = [scene_tokens(scene, self.index) for scene in self.story.scenes]
        aliases = find_aliases([scene.text for scene in self.story.scenes], self.index)
        names: dict[str, Token] = {}
        for toks in all_tokens:
            for tok in toks:
                if tok.name_gender and tok.name_gender not in names:
                    names[tok.name_gender] = tok
        for scene, toks in zip(self.story.scenes, all_tokens, strict=True):
            words = [t.lemma for t in toks]
            if _UNDERWATER.search(scene.text or ""):
                words.insert(0, "подводный")
            setting = detect(words, previous)
            previous = setting
            plan = ScenePlan(scene, setting)
            keys: set[str] = set()
            for tok in toks:
                place = _SETTING_OF.get(tok.lemma)
                if place is not None and place == setting.place:
                    plan.setting_words.append(tok)
                    drawn = self.index.curated(tok.lemma, tok.lang)
                    if drawn is None or drawn.kind not in _DRAWN_EVEN_AS_PLACE:
                        continue  # the painter shows it (forest, sea, castle)
                    # a rocket or a ship sets the place *and* is in the picture
                if (
                    tok.lemma in _SEASON_WORDS
                    and tok.lemma not in _TIME_OF
                    and tok.lemma not in _WEATHER_OF
                    and self.index.curated(tok.lemma, tok.lang) is None
                ):
                    continue  # the painter shows the season (snow, autumn ground, blossom)
                if tok.lemma in _TIME_OF or tok.lemma in _WEATHER_OF:
                    # the painter shows time and weather (moon, stars, rain); no sprite duplicates it
                    if setting.place != "underwater" and (
                        _TIME_OF.get(tok.lemma) == setting.time
                        or _WEATHER_OF.get(tok.lemma) == setting.weather
                    ):
                        plan.sky_words.append(tok)
                    continue
                if tok.lemma in _PAINTED_IN.get(setting.place, ()):
                    plan.setting_words.append(tok)
                    continue
                if tok.lemma in _COLLECTIVE:
                    plan.collective.append(tok)
                    continue
                own_lemma = tok.lemma
                if tok.lemma in aliases:
                    named = aliases[tok.lemma]
                    tok = Token(tok.surface, named.lemma, named.lang, True, named.name_gender)
                tok = self._alias(tok, names)
                m = self.index.match(tok, accept=is_cutout)
                if m is None or m.kind == "setting":
                    continue
                key = Cast.key_of(m)
                if key in keys:
                    continue
                if m.kind in _SCENERY_KINDS and m.size >= 1.0:
                    if len(plan.scenery) < MAX_SCENERY:
                        keys.add(key)
                        member = self.cast.assign(m, self.index)
                        plan.scenery.append(Placed(replace(m, lemma=own_lemma), member, "background"))
                elif len(plan.subjects) < MAX_SUBJECTS:
                    keys.add(key)
                    member = self.cast.assign(m, self.index, bool(tok.name_gender))
                    # the row keeps the scene's own word ("Amira"), the drawing is the character's
                    plan.subjects.append(Placed(replace(m, lemma=own_lemma), member, "subject"))
            # characters take the main slot, things come after them
            plan.subjects.sort(key=lambda p: p.member.kind not in _CHARACTER_KINDS)
            if plan.setting.place not in _WATER_PLACES and any(
                p.member.kind == "swimmer" and p.member.size >= 0.6 for p in plan.subjects
            ):
                # a whale or an octopus means the scene is at sea, whatever was inherited
                plan.setting = previous = replace(plan.setting, place="sea")
            plans.append(plan)
        hero = self.cast.protagonist()
        for plan in plans:
            self._add_group(plan)
            if hero is not None and not any(p.member.kind in _CHARACTER_KINDS for p in plan.subjects):
                # a scene that names nobody still shows the story's hero (not counted as a match)
                m = Match("", "", hero.asset_id, "openmoji", hero.kind, hero.size, hero.key, 0.0, False)
                plan.subjects.insert(0, Placed(m, hero, "cast"))
                del plan.subjects[MAX_SUBJECTS:]
        self.cast_path.parent.mkdir(parents=True, exist_ok=True)
        self.cast.save(self.cast_path)
        return plans

    def _add_group(self, plan: ScenePlan) -> None:
        """ "All the animals had breakfast": show the story's own animals (most seen first)."""
        if not plan.collective:
            return
        tok = plan.collective[0]
        present = {p.member.key for p in plan.subjects}
        creatures = sorted(
            (m for m in self.cast.members.values() if m.kind in ("creature", "flyer", "swimmer")),
            key=lambda m: -m.appearances,
        )
        for member in creatures:
            if len(plan.subjects) >= MAX_SUBJECTS:
                break
            if member.key not in present:
                m = Match(tok.surface, tok.lemma, member.asset_id, "openmoji", member.kind, member.size,
                          member.key, 0.0, False)  # fmt: skip
                plan.subjects.append(Placed(m, member, "subject"))
                present.add(member.key)

    @staticmethod
    def _alias(tok: Token, names: dict[str, Token]) -> Token:
        """ "девочка" in a story about Маша is Маша: same character, same drawing."""
        gender = "femn" if tok.lemma in _GIRL_WORDS else "masc" if tok.lemma in _BOY_WORDS else ""
        name = names.get(gender) if gender else None
        if name is None:
            return tok
        return Token(tok.surface, name.lemma, name.lang, True, name.name_gender)

    # ------------------------------------------------------------------------------------- drawing

    def draw(self, plan: ScenePlan, size: tuple[int, int], out_path: Path) -> list[dict]:
        """Paint the scene into ``out_path`` (PNG, exactly ``size``); returns its word → asset matches."""
        w, h = size
        i = plan.scene.index
        rng = random.Random(f"{self.story.seed}:{i}:{w}x{h}")
        side, slots = LAYOUTS[(self.offset + i) % len(LAYOUTS)]
        horizon = HORIZONS[(self.offset + i) % len(HORIZONS)]
        if h > w:  # portrait: more sky, the cast stands lower and closer together
            horizon = min(0.66, horizon + 0.06)
            slots = [(0.5 + (x - 0.5) * 0.8, d) for x, d in slots]
        # every third scene with a single figure is a close-up: bigger figures, the horizon a little lower
        close = len(plan.subjects) == 1 and (self.offset + i) % 3 == 2
        if close:
            horizon += 0.04
        canvas = painter.paint(
            size, plan.setting, rng, horizon, side, landmark=not plan.scenery, home_seed=self.grain_seed
        )
        base = math.sqrt(w * h) * (0.42 if close else 0.34)
        matches: list[dict] = []
        sprites: list[
            tuple[float, Placed, float, float, float, str]
        ] = []  # (depth, who, x, foot, height, where)

        for n, placed in enumerate(plan.scenery):
            x = (1 - slots[0][0]) * w if n == 0 else rng.uniform(0.15, 0.85) * w
            kind = placed.member.kind
            height = base * (1.5 if kind == "plant" else 1.2 if kind == "building" else 1.4)
            foot = canvas.horizon + (h - canvas.horizon) * (0.12 if kind != "plant" else 0.3)
            sprites.append((2.0, placed, x, foot, min(height, h * 0.7), "scenery"))

        main_box: tuple[float, float] | None = None
        for n, placed in enumerate(plan.subjects):
            sx, depth = slots[n % len(slots)]
            member = placed.member
            if member.kind in ("object", "plant"):
                f = min(0.7, max(0.3, member.size**0.45))
            else:
                f = min(1.35, max(0.45, member.size**0.45)) * (1.08 if n == 0 else 1.0)
            height = base * f * (1 - 0.4 * depth)
            x = sx * w
            foot = h - h * 0.04 - depth * (h - h * 0.04 - canvas.stand_top)
            where = "ground"
            indoors = plan.setting.place == "room"
            if member.kind == "flyer" and (
                (member.size < 0.5 or not indoors)
                and (member.size < 0.9 or n > 0 or (self.offset + i) % 2 == 1)
            ):
                where = "sky"
                height = base * (0.9 if n == 0 else 0.6) * f
                if len(plan.subjects) == 1:  # a lone bird is the picture's subject: show it large
                    height = max(height, base * 0.8)
                top = canvas.sky_box[0] + rng.uniform(0, 0.25) * (canvas.sky_box[1] - canvas.sky_box[0])
                foot = min(canvas.horizon - 4, top + height)
            elif member.kind == "swimmer" and canvas.water is not None:
                where = "water"
                top, bottom = canvas.water
                foot = top + (bottom - top) * (0.55 + 0.35 * (1 - depth))
                height = base * f * (0.55 + 0.45 * (foot - top) / max(1, bottom - top))
                if plan.setting.place != "underwater":  # what sinks below the waterline stays in the water
                    foot = max(top + height * 0.3, min(foot, bottom - height * 0.32))
            elif member.kind in ("object", "plant") and n > 0 and main_box is not None:
                x = main_box[0] + (main_box[1] * 0.5 + height * 0.3) * (1 if sx > 0.5 else -1)
                foot = main_box[2]
                if foot < canvas.horizon:  # next to a flyer: in the air, beside it
                    where, height = "sky", height * 0.8
                depth = -0.1
            if where == "ground" and member.kind == "person" and depth <= 0.15:
                foot = h + height * 0.06  # OpenMoji people are busts: the frame cuts them, a medium shot
            if n == 0 and where in ("ground", "sky"):
                main_box = (x, height, min(foot, h - h * 0.04))  # a bird's cheese flies with the bird
            sprites.append((depth, placed, x, foot, height, where))

        for depth, placed, x, foot, height, where in sorted(sprites, key=lambda s: -s[0]):
            member = placed.member
            fade = 0.12 if where == "scenery" else max(0.0, depth) * 0.18
            grounded = where in ("ground", "scenery")
            afloat = where == "water" and plan.setting.place != "underwater"
            draw_foot = foot + height * 0.3 if afloat else foot  # the lower third sinks below the waterline
            band = (0, int(foot), w, min(h, int(draw_foot + 2)))
            below = canvas.img.crop(band) if afloat else None
            try:
                box = painter.paste(
                    canvas, member.asset_id, x, draw_foot, min(height, h * 0.8), member.flip, fade,
                    shadow=grounded, max_width=w * 0.55, inside=0.85,
                )  # fmt: skip
            except Exception:  # a drawing that will not render is left out, and not claimed as shown
                log.warning("could not draw %s; left it out", member.asset_id, exc_info=True)
                continue
            if below is not None:  # repaint the water over what is under it, leaving a faint ghost
                mixed = Image.blend(canvas.img.crop(band), below, 0.85)
                x0, x1 = max(0, box[0]), min(w, box[2])
                canvas.img.paste(mixed.crop((x0, 0, x1, mixed.height)), (x0, band[1]))
            if afloat:
                d = ImageDraw.Draw(canvas.img, "RGBA")
                for k in range(3):  # ripples where the swimmer meets the water
                    yy = foot - 2 + k * 5
                    d.arc((box[0] - 10 - 8 * k, yy - 6, box[2] + 10 + 8 * k, yy + 6), 0, 180,
                          fill=(255, 255, 255, 150 - 40 * k), width=2)  # fmt: skip
            matches.append(self._match_row(placed))
        for tok in plan.setting_words[:1]:
            asset = (
                canvas.scenery[0]
                if canvas.scenery
                else _PAINTED_PLACE_ASSET.get(plan.setting.place, "painted:" + plan.setting.place)
            )
            row = {"word": tok.surface, "lemma": tok.lemma, "asset": asset, "path": self._path(asset)}
            matches.append(
                {**row, "source": asset.split(":")[0], "role": "background", "en": plan.setting.place}
            )
        for tok in plan.sky_words[:1]:
            is_time = _TIME_OF.get(tok.lemma) == plan.setting.time
            en = plan.setting.time if is_time else plan.setting.weather
            asset = f"painted:{en}-sky" if is_time else f"painted:{en}"
            matches.append({"word": tok.surface, "lemma": tok.lemma, "asset": asset, "path": "",
                            "source": "painted", "role": "background", "en": en})  # fmt: skip
        painter.weather(canvas, plan.setting, rng)
        img = painter.finish(canvas.img, self.style, self.grain_seed)
        assert img.size == size
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_path.with_suffix(".tmp.png")
        img.save(tmp, "PNG", compress_level=3)
        tmp.replace(out_path)
        return matches

    def _path(self, asset: str) -> str:
        info = self.index.assets.get(asset)
        return info["path"] if info else ""

    def _match_row(self, placed: Placed) -> dict:
        m, member = placed.match, placed.member
        info = self.index.info(member.asset_id)
        return {
            "word": m.word,
            "lemma": m.lemma,
            "asset": member.asset_id,
            "path": info["path"],
            "source": info["source"],
            "role": placed.role,
            "en": m.en,
            "name": info["name"],
        }

    def keywords_en(self, plan: ScenePlan, matches: list[dict]) -> list[str]:
        words: list[str] = []
        for row in matches:
            if row["role"] != "cast" and row["en"] and row["en"] not in words:
                words.append(row["en"])
        s = plan.setting
        for extra in (
            s.place,
            s.time if s.time != "day" and s.place != "underwater" else "",
            s.weather if s.weather != "clear" else "",
            s.season if s.season != "summer" else "",
        ):
            if extra and extra not in words:
                words.append(extra)
        return words


def compose_story(story: Story, folder: Path, size: tuple[int, int], report) -> dict:
    """Compose every scene; returns timing figures (seconds per scene)."""
    composer = Composer(story, folder)
    plans = composer.plan()
    total = len(plans)
    times: list[float] = []
    for n, plan in enumerate(plans):
        report(n / max(1, total), f"scene {n + 1}/{total}")
        t0 = time.perf_counter()
        scene = plan.scene
        rel = Path("images") / f"scene_{scene.index:02d}.png"
        matches = composer.draw(plan, size, folder / rel)
        scene.image = rel.as_posix()
        scene.image_matches = matches
        scene.keywords_en = composer.keywords_en(plan, matches)
        times.append(time.perf_counter() - t0)
        story.timings[f"images.scene_{scene.index:02d}"] = round(times[-1], 3)
    report(1.0, f"{total} scenes composed")
    return {
        "scenes": total,
        "seconds": sum(times),
        "max_scene_seconds": max(times, default=0.0),
        "style": composer.style,
    }
