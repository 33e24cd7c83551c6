"""Text cards: the scene's words on a painted background, whatever the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from engine.story import Scene, Story
from engine.video.card import PALETTES, _clean_text, draw_card, fit_text, palette_for

LONG_RU = ("Жил-был на краю дремучего леса старый мельник, и было у него три сына. " * 12).strip()
TEXTS = [
    "Коротко.",
    LONG_RU,
    "Hostile: {\\an8} \"quotes\" 'single' C:\\path %s %{n} [Script Info]\n\n<b>html</b> **md** 🐉🔥 שלום",
    "Supercalifragilisticexpialidocious" * 5,
    "\x00\x07\u200b",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("size", [(640, 360), (360, 640)])
def test_card_is_drawn_at_the_size_asked(tmp_path: Path, text: str, size: tuple[int, int]) -> None:
    scene = Scene(index=0, text=text, mood="mysterious")
    story = Story(prompt="p", lang="ru", genre="fable", title="Сказка «о драконе»", scenes=[scene])
    out = tmp_path / "card.png"
    draw_card(scene, story, size, out)
    img = Image.open(out)
    assert img.size == size and img.mode == "RGB"
    # not a flat fill: gradient, shapes and text give many distinct colours
    assert len(img.getcolors(maxcolors=1 << 20) or []) > 200


def test_long_text_shrinks_and_still_fits() -> None:
    box = (500, 200)
    font, lines, spacing = fit_text(LONG_RU, box, start_size=40, min_size=10)
    assert font.size < 40
    assert len(lines) * spacing <= box[1]
    assert all(font.getlength(line) <= box[0] for line in lines)


def test_text_that_fits_keeps_every_word() -> None:
    text = "Дракон проснулся и увидел солнце над горами."
    _, lines, _ = fit_text(text, (600, 300), start_size=30, min_size=10)
    assert " ".join(lines) == text


def test_cleaning_drops_controls_but_keeps_paragraphs() -> None:
    assert _clean_text("a\x00b\r\nc\u200b  d") == "ab\nc d"


def test_moods_pick_different_palettes_and_unknown_moods_still_work() -> None:
    assert palette_for("calm") != palette_for("scary")
    assert palette_for("joyful") == palette_for("happy")
    assert palette_for("что-то странное") in PALETTES.values()


def test_cyrillic_renders_real_glyphs(tmp_path: Path) -> None:
    """Cyrillic must come out as letters, not as the font's missing-glyph boxes."""
    from engine.video.card import _font, _renderable

    font = _font(30, False)
    assert _renderable("Ёжик в тумане", font) == "Ёжик в тумане"
    assert "🐉" not in _renderable("дракон 🐉", font) or "Noto Color Emoji" in str(getattr(font, "path", ""))
