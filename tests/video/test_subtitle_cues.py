"""Subtitles: readable cues in sync with the lines, and ASS escaping that keeps any text intact."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from engine.story import Line, Scene, Story
from engine.video.subtitles import (
    Cue,
    escape_ass_text,
    read_ass_texts,
    render_ass,
    split_cues,
    story_cues,
    unescape_ass_text,
    write_ass,
)

HOSTILE = [
    "Он сказал: \"Привет, 'мир'!\" — 100% правда; C:\\path\\N\\n\\h",
    "{\\an8\\fs200\\c&H0000FF&}ЗАХВАТ{\\r} и }{ и \\{ и \\}",
    "[Script Info]\nScriptType: v4.00+\n[Events]\nDialogue: 0,0:00:00.00,9:59:59.99,Default,,0,0,0,,x",
    "строка1\r\nстрока2\rстрока3\u2028строка4",
    "emoji 🐉🔥👨‍👩‍👧 и RTL: שלום עולם مرحبا",
    "tail backslash \\",
    "nul\x00 bell\x07 tab\there",
    "subtitles=f=/etc/passwd:force_style='Fontsize=99',drawtext=text=%{localtime}[out];",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_round_trips_and_leaves_no_live_markup(text: str) -> None:
    escaped = escape_ass_text(text)
    assert "\n" not in escaped and "\r" not in escaped and "\x00" not in escaped
    # every brace is escaped, and every backslash starts one of our own escapes
    for i, ch in enumerate(escaped):
        if ch in "{}":
            assert escaped[i - 1] == "\\"
        if ch == "\\":
            assert escaped[i + 1] in "{}N\u2060"
    visible = unescape_ass_text(escaped)
    expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    expected = "".join(c for c in expected if c not in "\x00\x07")
    assert visible == expected


def test_literal_backslash_n_is_not_a_line_break() -> None:
    escaped = escape_ass_text("a\\Nb")
    assert "\\N" not in escaped
    assert unescape_ass_text(escaped) == "a\\Nb"


def test_split_cues_makes_short_balanced_lines() -> None:
    text = (
        "Жил-был в далёком королевстве молодой дракон по имени Горыныч. Он очень любил петь песни, "
        "но все жители деревни затыкали уши и убегали. Однажды он решил найти учителя музыки!"
    )
    cues = split_cues(text, max_chars=42)
    assert len(cues) >= 3
    for cue in cues:
        assert 1 <= len(cue) <= 2
        assert all(len(line) <= 42 for line in cue)
    assert " ".join(" ".join(c) for c in cues) == " ".join(text.split())  # nothing lost, order kept
    assert any(cue[-1].endswith(".") for cue in cues[:-1])  # sentences end cues where they can


def test_split_cues_cuts_words_longer_than_a_line() -> None:
    cues = split_cues("a" * 100 + " b", max_chars=42)
    assert all(len(line) <= 42 for cue in cues for line in cue)
    assert "".join("".join(c) for c in cues).replace(" ", "") == "a" * 100 + "b"


def test_story_cues_follow_line_timing_inside_scene() -> None:
    story = Story(prompt="p", lang="ru", genre="fable")
    second_text = "«Вторая фраза!» — сказал герой и долго-долго смотрел на небо над лесом."
    lines = [
        Line("Первая фраза сцены, довольно короткая.", start=0.0, end=2.0),
        Line(second_text, speaker="char1", start=2.3, end=6.0),
    ]
    story.scenes.append(Scene(index=0, text="", lines=lines, start=10.0, end=16.0))
    cues = story_cues(story)
    assert cues[0].start == pytest.approx(10.0)
    assert cues[-1].end == pytest.approx(16.0)
    second = [c for c in cues if c.start >= 12.3 - 1e-6]
    assert second and second[0].start == pytest.approx(12.3)
    assert {c.style for c in second} == {"Speech"} and {c.style for c in cues if c not in second} == {
        "Default"
    }
    doc = render_ass(cues, (1280, 720), "DejaVu Sans")
    assert "Style: Speech," in doc and ",Speech,," in doc
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start + 1e-6 and a.start < a.end


def test_ass_file_round_trips_hostile_text(tmp_path: Path) -> None:
    cues = [Cue(float(i), i + 1.0, (text,)) for i, text in enumerate(HOSTILE)]
    path = write_ass(cues, (1280, 720), "DejaVu Sans", tmp_path / "s.ass")
    doc = path.read_text(encoding="utf-8")
    assert doc.count("[Script Info]\n") == 1 and doc.count("\n[Events]\n") == 1
    assert sum(1 for ln in doc.splitlines() if ln.startswith("Dialogue:")) == len(HOSTILE)
    texts = read_ass_texts(path)
    for text, got in zip(HOSTILE, texts, strict=True):
        assert got == unescape_ass_text(escape_ass_text(text))


def test_font_name_cannot_break_the_style_line() -> None:
    doc = render_ass([Cue(0, 1, ("x",))], (720, 1280), "Evil, Font\n[Events]")
    style = next(ln for ln in doc.splitlines() if ln.startswith("Style:"))
    assert style.count(",") == 22  # 23 fields
