"""The scene composer: draws each planned scene as a storybook picture.

Plan first (engine.images.backends.composer.planner), draw second. Composition varies from scene to scene (layouts and
horizon heights rotate, so no two neighbours are alike) while the story's look (colour grade,
vignette, grain) and its cast stay the same.
"""

from __future__ import annotations

import logging
import math
import random
import time
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

from engine.images.backends.composer import painter
from engine.images.backends.composer.cast import Cast, Member
from engine.images.backends.composer.index import AssetIndex
from engine.images.backends.composer.planner import TIME_OF, Placed, Planner, ScenePlan
from engine.images.backends.composer.render import visible_aspect
from engine.images.base import save_png
from engine.story import Story

log = logging.getLogger(__name__)

Sprite = tuple[float, Placed, float, float, float, str]  # (depth, who, x, foot, height, where)

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
_WINGED = {"dragon", "bat", "bee", "butterfly", "fairy", "ladybug", "angel"}  # creatures that may fly
# Framing rotates so neighbouring scenes never share it: a close shot (big figures, low horizon), a
# medium one, a wide one (small figures in a large landscape).
FRAMINGS = ("medium", "close", "wide")
_FIGURE_SCALE = {"close": 0.44, "medium": 0.34, "wide": 0.24}
_HORIZON_SHIFT = {"close": 0.08, "medium": 0.0, "wide": -0.08}
# Two characters: side by side, facing each other across the picture, one near and one far.
PAIRS: list[tuple[int, list[tuple[float, float]]]] = [
    (-1, [(0.36, 0.05), (0.6, 0.1), (0.84, 0.5)]),
    (0, [(0.24, 0.0), (0.76, 0.05), (0.5, 0.55)]),
    (1, [(0.7, 0.0), (0.3, 0.45), (0.12, 0.6)]),
    (-1, [(0.3, 0.4), (0.66, 0.0), (0.88, 0.55)]),
]


def _aspect(member: Member | None) -> float:
    """A drawing's visible width per unit of height (1 when it cannot be measured)."""
    if member is None:
        return 1.0
    try:
        return visible_aspect(member.asset_id)
    except Exception:  # an unreadable drawing is left out when painted anyway
        return 1.0


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

    def framing(self, i: int) -> str:
        return FRAMINGS[(self.offset + i) % len(FRAMINGS)]

    def layout(self, i: int, subjects: int) -> tuple[int, list[tuple[float, float]]]:
        """Where figures stand in scene ``i``: pairs and groups have their own arrangements."""
        table = PAIRS if subjects >= 2 else LAYOUTS
        return table[(self.offset + i) % len(table)]

    @staticmethod
    def facing(placed: Placed, x_share: float) -> bool:
        """Whether to mirror a drawing: a creature or vehicle on the right half of the picture is
        mirrored against its cast orientation, so a character that changes sides between scenes turns
        round (OpenMoji drawings face either way, so which way it looks is the cast's coin toss).
        People (front-facing busts) and things keep the cast's orientation."""
        member = placed.member
        if member.kind in ("creature", "flyer", "swimmer", "vehicle"):
            return member.flip != (x_share > 0.5)
        return member.flip

    def _airborne(self, plan: ScenePlan, member: Member, n: int, indoors: bool) -> bool:
        """Whether a figure is drawn in the sky. When the writer described the scene: a flyer, or a
        winged creature (a dragon), only if it flies in this scene (a dragon sharing a pie stands
        beside the girl). Otherwise a flyer by its size and the scene's turn, as before."""
        if plan.airborne is not None:
            winged = member.kind == "flyer" or (
                member.kind == "creature" and set(self.index.info(member.asset_id)["name"].split()) & _WINGED
            )
            return bool(winged) and member.key in plan.airborne and not indoors
        if member.kind != "flyer":
            return False
        i = plan.scene.index
        return (member.size < 0.5 or not indoors) and (
            member.size < 0.9 or n > 0 or (self.offset + i) % 2 == 1
        )

    def plan(self) -> list[ScenePlan]:
        """Read every scene (see planner) and save the cast into the story folder."""
        plans = Planner(self.index, self.cast).plan(self.story.scenes, self.story.cast)
        self.cast_path.parent.mkdir(parents=True, exist_ok=True)
        self.cast.save(self.cast_path)
        return plans

    # ------------------------------------------------------------------------------------- drawing

    def draw(self, plan: ScenePlan, size: tuple[int, int], out_path: Path) -> list[dict]:
        """Paint the scene into ``out_path`` (PNG, exactly ``size``); returns its word → asset matches."""
        w, h = size
        i = plan.scene.index
        rng = random.Random(f"{self.story.seed}:{i}:{w}x{h}")
        framing = self.framing(i)
        side, slots = self.layout(i, len(plan.subjects))
        horizon = HORIZONS[(self.offset + i) % len(HORIZONS)] + _HORIZON_SHIFT[framing]
        if h > w:  # portrait: more sky, the cast stands lower and closer together
            horizon = min(0.7, horizon + 0.06)
            slots = [(0.5 + (x - 0.5) * 0.8, d) for x, d in slots]
        canvas = painter.paint(
            size, plan.setting, rng, horizon, side, landmark=not plan.scenery, home_seed=self.grain_seed
        )
        base = math.sqrt(w * h) * _FIGURE_SCALE[framing]
        sprites: list[Sprite] = []

        for n, placed in enumerate(plan.scenery):
            x = (1 - slots[0][0]) * w if n == 0 else rng.uniform(0.15, 0.85) * w
            kind = placed.member.kind
            height = base * (1.5 if kind == "plant" else 1.2 if kind == "building" else 1.4)
            foot = canvas.horizon + (h - canvas.horizon) * (0.12 if kind != "plant" else 0.3)
            sprites.append((2.0, placed, x, foot, min(height, h * 0.7), "scenery"))

        sprites += self._subject_sprites(plan, canvas, slots, base, rng)
        matches = self._paint_sprites(plan, canvas, sprites)
        matches += self._background_rows(plan, canvas)
        painter.weather(canvas, plan.setting, rng)
        img = painter.finish(canvas.img, self.style, self.grain_seed)
        assert img.size == size
        save_png(img, out_path)
        return matches

    def _subject_sprites(
        self,
        plan: ScenePlan,
        canvas: painter.Canvas,
        slots: list[tuple[float, float]],
        base: float,
        rng: random.Random,
    ) -> list[Sprite]:
        """Where each subject stands (ground, sky, water, beside the main figure) and how tall it is."""
        w, h = canvas.img.size
        sprites: list[Sprite] = []
        main_box: tuple[float, float, float] | None = None  # (x, height, foot) of the main figure
        main_member: Member | None = None
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
            if self._airborne(plan, member, n, indoors):
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
                # beside the main figure, clear of it: half its visible width plus half the thing's
                gap = main_box[1] * 0.5 * _aspect(main_member) + height * 0.5 * _aspect(member) + height * 0.1
                x = main_box[0] + gap * (1 if sx > 0.5 else -1)
                foot = main_box[2]
                if foot < canvas.horizon:  # next to a flyer: in the air, beside it
                    where, height = "sky", height * 0.8
                depth = -0.1
            if where == "ground" and member.kind == "person" and depth <= 0.15:
                foot = h + height * 0.06  # OpenMoji people are busts: the frame cuts them, a medium shot
            if n == 0 and where in ("ground", "sky"):
                main_box = (x, height, min(foot, h - h * 0.04))  # a bird's cheese flies with the bird
                main_member = member
            sprites.append((depth, placed, x, foot, height, where))

        return sprites

    def _paint_sprites(self, plan: ScenePlan, canvas: painter.Canvas, sprites: list[Sprite]) -> list[dict]:
        """Paste the sprites back to front; the match rows of what was really drawn."""
        w, h = canvas.img.size
        matches: list[dict] = []
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
                    canvas, member.asset_id, x, draw_foot, min(height, h * 0.8), self.facing(placed, x / w), fade,
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
        return matches

    def _background_rows(self, plan: ScenePlan, canvas: painter.Canvas) -> list[dict]:
        """Rows for the words the painter showed (the place, the sky of the time or weather)."""
        matches: list[dict] = []
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
            is_time = TIME_OF.get(tok.lemma) == plan.setting.time
            en = plan.setting.time if is_time else plan.setting.weather
            asset = f"painted:{en}-sky" if is_time else f"painted:{en}"
            matches.append({"word": tok.surface, "lemma": tok.lemma, "asset": asset, "path": "",
                            "source": "painted", "role": "background", "en": en})  # fmt: skip
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
            "key": member.key,
        }

    def describe(self, plan: ScenePlan) -> str:
        """What the composer drew, in words (the scene's provenance: who, where, when)."""
        who = ", ".join(f"{p.member.key} ({p.member.asset_id})" for p in plan.subjects)
        s = plan.setting
        return f"{who or 'no figures'}; {s.place}, {s.time}, {s.weather}, {s.season}"

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


def compose_story(
    story: Story, folder: Path, size: tuple[int, int], report, only: set[int] | None = None
) -> dict:
    """Compose every scene (or the scenes whose index is in ``only``); returns timing figures.

    Every scene is planned even when only some are drawn, so the cast stays the one of the whole
    story (a scene the composer draws after a generator refused it shows the same dragon).
    """
    composer = Composer(story, folder)
    plans = [p for p in composer.plan() if only is None or p.scene.index in only]
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
        scene.image_backend = "composer"
        scene.image_prompt_used = composer.describe(plan)
        scene.image_seed = int(story.seed)
        times.append(time.perf_counter() - t0)
    log.info("composed %d scenes in %.2f s (slowest %.2f s)", total, sum(times), max(times, default=0.0))
    report(1.0, f"{total} scenes composed")
    return {
        "scenes": total,
        "seconds": sum(times),
        "max_scene_seconds": max(times, default=0.0),
        "style": composer.style,
    }
