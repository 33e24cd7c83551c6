"""Text cards: the fallback scene frame — the scene's words set on a painted background.

A card is honest about what it is: the text itself is the picture, in a panel over a mood-coloured
gradient with a few soft shapes; nothing in it imitates an illustration. The bottom fifth stays
free for the burned-in subtitles. Pillow only; a font that can write Russian is found through
fontconfig (DejaVu Sans, then Noto Sans) or Debian's usual paths.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from engine.folder import attempt
from engine.lang.fonts import find_font
from engine.progress import StageReporter
from engine.story import Scene, Story

#: (top colour, bottom colour, accent) per mood; unknown moods get a palette picked by their name.
PALETTES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = {
    "calm": ((32, 66, 104), (112, 166, 186), (222, 238, 240)),
    "happy": ((244, 176, 84), (226, 96, 92), (255, 240, 200)),
    "sad": ((34, 44, 74), (92, 104, 134), (180, 196, 220)),
    "tense": ((64, 18, 28), (156, 66, 40), (255, 190, 120)),
    "scary": ((8, 8, 18), (58, 26, 58), (150, 60, 80)),
    "mysterious": ((24, 18, 66), (78, 58, 136), (190, 170, 255)),
    "adventurous": ((16, 78, 62), (196, 156, 58), (250, 226, 150)),
    "funny": ((252, 206, 76), (84, 194, 206), (255, 255, 230)),
    "warm": ((120, 52, 40), (236, 150, 86), (255, 226, 180)),
    "triumphant": ((90, 40, 110), (240, 180, 60), (255, 240, 190)),
}
ALIASES = {
    "joyful": "happy",
    "cheerful": "happy",
    "bright": "happy",
    "peaceful": "calm",
    "neutral": "calm",
    "gloomy": "sad",
    "melancholic": "sad",
    "dark": "scary",
    "horror": "scary",
    "fear": "scary",
    "suspense": "tense",
    "danger": "tense",
    "exciting": "adventurous",
    "adventure": "adventurous",
    "comic": "funny",
    "comedy": "funny",
    "magic": "mysterious",
    "mystery": "mysterious",
    "love": "warm",
    "tender": "warm",
    "victory": "triumphant",
    "epic": "triumphant",
}
_SPACES = re.compile(r"[ \t\u00a0]+")


def palette_for(mood: str) -> tuple[tuple[int, int, int], ...]:
    key = (mood or "calm").strip().lower()
    key = ALIASES.get(key, key)
    if key in PALETTES:
        return PALETTES[key]
    names = sorted(PALETTES)
    return PALETTES[names[int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(names)]]


def _clean_text(text: str) -> str:
    """Printable text with paragraph breaks kept; controls and stray whitespace removed."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = re.sub("\r\n|[\r\x0b\x0c\x85\u2028\u2029]", "\n", text)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    paragraphs = [_SPACES.sub(" ", p).strip() for p in text.split("\n")]
    return "\n".join(p for p in paragraphs if p)


@lru_cache(maxsize=16)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = find_font(bold) or find_font(False)
    if found is None:  # doctor reports this; a card in Pillow's own font still beats no card
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(found.path), size)


def _renderable(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """Drop characters the font has no glyph for (emoji in DejaVu): a tofu box says nothing; the
    subtitles still carry the exact text. A missing glyph renders as the font's .notdef shape, so a
    character whose mask equals that of a surely-missing private-use code point is missing.
    Glyph presence doesn't depend on size, so it is checked once per character at one small size."""
    if not isinstance(font, ImageFont.FreeTypeFont):
        return text
    kept = "".join(ch for ch in text if ch in " \n" or _has_glyph(str(font.path), ch))
    return "\n".join(_SPACES.sub(" ", p).strip() for p in kept.split("\n"))


@lru_cache(maxsize=4)
def _probe_font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, 24)


def _mask_key(font: ImageFont.FreeTypeFont, ch: str) -> tuple:
    mask = font.getmask(ch)
    return (mask.size, bytes(mask))


@lru_cache(maxsize=8192)
def _has_glyph(path: str, ch: str) -> bool:
    font = _probe_font(path)
    return _mask_key(font, ch) != _mask_key(font, "\U0010fffd")


def _wrap(text: str, font, width: float) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than the line is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and font.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def fit_text(text: str, box: tuple[int, int], start_size: int, min_size: int, bold: bool = False):
    """The largest font size (down to ``min_size``) at which ``text`` wraps inside ``box``;
    at ``min_size`` lines that still overflow are cut and ended with an ellipsis."""
    width, height = box
    size = start_size
    while True:
        font = _font(size, bold)
        shown = _renderable(text, font)
        lines = _wrap(shown, font, width)
        spacing = int(size * 1.3)
        if len(lines) * spacing <= height or size <= min_size:
            break
        size = max(min_size, int(size * 0.9))
    room = max(1, height // spacing)
    if len(lines) > room:
        lines = lines[:room]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return font, lines, spacing


def _background(size: tuple[int, int], palette, rng: random.Random) -> Image.Image:
    """Vertical gradient, soft blurred shapes (drawn small, blurred, scaled up: cheap), vignette."""
    width, height = size
    top, bottom, accent = palette
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    base = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask).convert("RGBA")
    small = (max(8, width // 8), max(8, height // 8))
    layer = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(4, 7)):
        r = rng.uniform(0.15, 0.4) * min(small)
        cx, cy = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        mix = rng.uniform(0.2, 0.8)
        colour = tuple(int(a * mix + b * (1 - mix)) for a, b in zip(accent, top, strict=True))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*colour, rng.randint(70, 140)))
    layer = layer.filter(ImageFilter.GaussianBlur(min(small) / 14)).resize(size, Image.Resampling.BILINEAR)
    base.alpha_composite(layer)
    vignette = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    shade = Image.new("RGBA", size, (0, 0, 0, 0))
    shade.putalpha(vignette.point(lambda v: int(max(0, v - 110) * 0.9)))
    base.alpha_composite(shade)
    return base


def draw_card(scene: Scene, story: Story, size: tuple[int, int], out_path: Path) -> None:
    """Draw the card for ``scene`` at ``size`` (width, height) into ``out_path`` (PNG)."""
    width, height = size
    rng = random.Random(f"{story.seed}:{scene.index}:{scene.mood}")
    palette = palette_for(scene.mood or story.mood)
    card = _background(size, palette, rng)

    # Panel for the words: upper ~three quarters, leaving the bottom for subtitles, and ~10% clear
    # at every edge, which the Ken Burns zoom and pans may crop away.
    margin_x = int(width * 0.1)
    panel = (margin_x, int(height * 0.17), width - margin_x, int(height * 0.76))
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rounded_rectangle(panel, radius=int(min(size) * 0.03), fill=(10, 12, 20, 120))
    card.alpha_composite(overlay)
    draw = ImageDraw.Draw(card)

    pad = int(min(size) * 0.04)
    box = (panel[2] - panel[0] - 2 * pad, panel[3] - panel[1] - 2 * pad)
    text = _clean_text(scene.text) or "…"
    font, lines, spacing = fit_text(text, box, int(min(size) * 0.075), max(12, int(min(size) * 0.03)))
    block_h = spacing * len(lines)
    y = panel[1] + pad + max(0, (box[1] - block_h) // 2)
    for line in lines:
        x = (width - font.getlength(line)) / 2
        draw.text((x + 2, y + 2), line, font=font, fill=(0, 0, 0, 150))
        draw.text((x, y), line, font=font, fill=(250, 248, 240, 255))
        y += spacing

    # Small heading: the story's title and the scene's number.
    title = _clean_text(story.title).replace("\n", " ")
    head_size = max(10, int(min(size) * 0.036))
    head_font = _font(head_size, True)
    position = next((i for i, s in enumerate(story.scenes) if s is scene), None)
    number = f"{position + 1}/{len(story.scenes)}" if position is not None else ""
    heading = _renderable(" · ".join(p for p in (title, number) if p), head_font)
    while heading and head_font.getlength(heading) > width - 2 * margin_x:
        heading = heading[:-2] + "…"
    draw.text(
        ((width - head_font.getlength(heading)) / 2, int(height * 0.095)),
        heading,
        font=head_font,
        fill=(*palette[2], 230),
    )

    out_path.parent.mkdir(parents=True, exist_ok=True)
    with attempt(out_path) as tmp:  # crash safety: renamed into place when complete
        card.convert("RGB").save(tmp, format="PNG", compress_level=1)  # fast; the frame is an intermediate


def draw_cards(story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
    """A card for every scene as ``folder/images/scene_XX.png`` (exactly ``size``), recorded on the scene.

    The one place fallback cards are drawn: the pipeline calls it when the images block failed or
    ``card`` was asked for, and ``assemble`` draws single cards for scenes whose picture is missing.
    """
    out_dir = folder / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    total = len(story.scenes)
    for n, scene in enumerate(story.scenes):
        report(n / total, f"card {n + 1}/{total}")
        path = out_dir / f"scene_{scene.index:02d}.png"
        draw_card(scene, story, size, path)
        scene.image = str(path.relative_to(folder))
        scene.image_matches = []
    report(1.0, f"{total} cards drawn")
