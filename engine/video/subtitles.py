"""Subtitles: the narration's text cut into readable cues, timed to the voice, written as ASS.

Why ASS through a file: the text never enters an ffmpeg filter graph (where ``:``, ``,``, ``'``,
``[`` and ``\\`` are syntax); it only has to survive the ASS format, whose single hazards inside a
Dialogue's text are override blocks ``{…}``, backslash escapes (``\\N``, ``\\n``, ``\\h``,
``\\{``) and raw line breaks. ``escape_ass_text`` neutralises exactly those, reversibly
(``unescape_ass_text`` gives the original back), so any text shows exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.story import Scene, Story
from engine.video.sync import find_pauses, snap_boundaries

#: Invisible WORD JOINER put after every literal backslash so libass never reads it as an escape.
WORD_JOINER = "\u2060"
#: Line separators of every kind become one ASS hard break.
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_SENTENCE_END = re.compile(r"[.!?…]+[»\"')\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–-]$")


@dataclass(frozen=True)
class Cue:
    """One subtitle on screen: ``lines`` (1–2) shown from ``start`` to ``end`` (absolute seconds)."""

    start: float
    end: float
    lines: tuple[str, ...]
    style: str = "Default"  # "Speech" for a character's line (another voice): tinted, like the voice

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --- escaping -----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop what no subtitle can show: control characters (NUL would cut the C string) and lone
    surrogates (not encodable as UTF-8). Line breaks and tabs are kept."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → U+FFFD
    text = _LINE_BREAKS.sub("\n", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def escape_ass_text(text: str) -> str:
    """Make ``text`` safe for an ASS Dialogue's Text field; reversible by ``unescape_ass_text``."""
    out: list[str] = []
    for ch in _clean(text):
        if ch == "\\":
            out.append("\\" + WORD_JOINER)
        elif ch == "{":
            out.append("\\{")
        elif ch == "}":
            out.append("\\}")
        elif ch == "\n":
            out.append("\\N")
        else:
            out.append(ch)
    return "".join(out)


def unescape_ass_text(text: str) -> str:
    """The visible text of an escaped Dialogue text (inverse of ``escape_ass_text``)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "\\" and nxt in ("{", "}"):
            out.append(nxt)
            i += 2
        elif ch == "\\" and nxt == "N":
            out.append("\n")
            i += 2
        elif ch == "\\" and nxt == WORD_JOINER:
            out.append("\\")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# --- splitting text into cues -------------------------------------------------------------------


def _words(text: str, max_chars: int) -> list[str]:
    """Whitespace-separated words; a word longer than a line (a URL, a run of emoji) is cut."""
    words: list[str] = []
    for word in _clean(text).split():
        while len(word) > max_chars:
            words.append(word[:max_chars])
            word = word[max_chars:]
        if word:
            words.append(word)
    return words


def wrap_cue(words: list[str], max_chars: int, max_lines: int = 2) -> tuple[str, ...] | None:
    """Lay ``words`` out in at most ``max_lines`` lines of ``max_chars``; balanced; None if they don't fit.

    Two lines are balanced (the longer as short as possible) and a break after punctuation is
    preferred, which reads better than a ragged first line.
    """
    one = " ".join(words)
    if len(one) <= max_chars:
        return (one,)
    if max_lines < 2 or len(words) < 2:
        return None
    best: tuple[float, tuple[str, str]] | None = None
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        if len(first) > max_chars or len(second) > max_chars:
            continue
        score = float(max(len(first), len(second)))
        if _SENTENCE_END.search(words[i - 1]) or _CLAUSE_END.search(words[i - 1]):
            score -= 6.0
        if best is None or score < best[0]:
            best = (score, (first, second))
    return best[1] if best else None


def split_cues(text: str, max_chars: int = 42, max_lines: int = 2) -> list[tuple[str, ...]]:
    """Cut ``text`` into cues of at most ``max_lines`` lines of ``max_chars``, ending at sentences
    where a cue is reasonably full, so each cue is a readable piece of the narration."""
    words = _words(text, max_chars)
    capacity = max_chars * max_lines
    groups: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if current and wrap_cue([*current, word], max_chars, max_lines) is None:
            # Full: end the cue at its last sentence or clause end in the second half, if any,
            # rather than in the middle of a phrase.
            cut = len(current)
            for j in range(len(current) - 1, len(current) // 2 - 1, -1):
                if _SENTENCE_END.search(current[j]) or _CLAUSE_END.search(current[j]):
                    cut = j + 1
                    break
            groups.append(current[:cut])
            current = current[cut:]
        current.append(word)
        if _SENTENCE_END.search(word) and len(" ".join(current)) >= 0.4 * capacity:
            groups.append(current)
            current = []
    if current:
        # A one- or two-word tail reads badly alone: join it to the previous cue when that fits.
        # (A whole short sentence stays on its own: the voice pauses before it.)
        joinable = groups and not _SENTENCE_END.search(groups[-1][-1])
        if joinable and len(current) <= 2 and wrap_cue(groups[-1] + current, max_chars, max_lines):
            groups[-1] = groups[-1] + current
        else:
            groups.append(current)
    cues = []
    for group in groups:
        lines = wrap_cue(group, max_chars, max_lines)
        assert lines is not None  # every group was built to fit
        cues.append(lines)
    return cues


def _timed(
    pieces: list[tuple[str, ...]],
    start: float,
    end: float,
    pauses: Sequence[tuple[float, float]] = (),
    style: str = "Default",
) -> list[Cue]:
    """Share ``start..end`` among cues in proportion to their length (speech runs at a roughly
    steady pace), then move each change onto a real pause in the voice (``pauses``, absolute s)."""
    if not pieces:
        return []
    weights = [sum(len(line) for line in p) + 4 for p in pieces]
    total = float(sum(weights))
    bounds = [start]
    for weight in weights:
        bounds.append(bounds[-1] + (end - start) * weight / total)
    bounds = snap_boundaries(bounds, list(pauses))
    return [
        Cue(round(a, 3), round(b, 3), piece, style)
        for piece, a, b in zip(pieces, bounds, bounds[1:], strict=False)
    ]


def _scene_pauses(scene: Scene, folder: Path | None) -> list[tuple[float, float]]:
    """The pauses in the scene's narration wav, in absolute video seconds ([] without the wav)."""
    if folder is None or not scene.audio or not (folder / scene.audio).is_file():
        return []
    return [(scene.start + a, scene.start + b) for a, b in find_pauses(folder / scene.audio)]


def _style(speaker: str) -> str:
    return "Default" if (speaker or "narrator") == "narrator" else "Speech"


def story_cues(story: Story, max_chars: int = 42, folder: Path | None = None) -> list[Cue]:
    """All cues of a laid-out story: each Line's text over its own span inside its scene's narration.

    Lines without usable timing share the scene's narration span by text length; a scene without
    lines shows its text over the whole span. With ``folder``, cue changes snap to the pauses
    heard in each scene's wav.
    """
    cues: list[Cue] = []
    for scene in story.scenes:
        span = max(0.0, scene.end - scene.start)
        pauses = _scene_pauses(scene, folder)
        lines = [ln for ln in scene.lines if ln.text.strip()]
        timed = bool(lines) and all(ln.end > ln.start for ln in lines)
        if timed:
            for ln in lines:
                start = scene.start + ln.start
                end = min(scene.start + ln.end, scene.end) if span else scene.start + ln.end
                pieces = split_cues(ln.text, max_chars)
                cues += _timed(pieces, start, max(end, start + 0.3), pauses, _style(ln.speaker))
        elif lines:
            weights = [len(ln.text) for ln in lines]
            t = scene.start
            for ln, weight in zip(lines, weights, strict=True):
                nxt = t + span * weight / max(1, sum(weights))
                cues += _timed(split_cues(ln.text, max_chars), t, nxt, pauses, _style(ln.speaker))
                t = nxt
        elif scene.text.strip():
            cues += _timed(split_cues(scene.text, max_chars), scene.start, scene.end, pauses)
    return cues


# --- ASS file -----------------------------------------------------------------------------------


def max_chars_for(size: tuple[int, int]) -> int:
    """Characters per subtitle line: 42 on landscape and square frames, fewer on a narrow portrait one."""
    width, height = size
    return 42 if width >= height else 32


def _timestamp(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"


def font_size_for(size: tuple[int, int], max_chars: int) -> int:
    """A size at which ``max_chars`` characters fit in 90% of the width, capped at 5.5% of the height."""
    width, height = size
    by_width = 0.9 * width / (max_chars * 0.55)  # DejaVu/Noto Sans: ~0.55 em per character on average
    return max(12, int(min(by_width, 0.055 * height)))


def render_ass(cues: list[Cue], size: tuple[int, int], font: str) -> str:
    """The full ASS document: one bottom-centred style (white, dark outline) and one Dialogue per cue."""
    width, height = size
    font = re.sub(r"[,\r\n\\{}]", " ", font).strip() or "DejaVu Sans"  # the Style line is comma-separated
    fs = font_size_for(size, max_chars_for(size))
    outline = max(1.5, fs / 16)
    margin_v = int(height * 0.06)
    margin_h = int(width * 0.05)
    head = [
        "[Script Info]",
        "; DigiTeller narration subtitles",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        # narrator in white; characters' lines (spoken by another voice) in a pale yellow
        *(
            f"Style: {name},{font},{fs},{colour},&H000000FF,&H00141414,&H96000000,0,0,0,0,100,100,0,0,1,"
            f"{outline:.1f},{outline / 2:.1f},2,{margin_h},{margin_h},{margin_v},1"
            for name, colour in (("Default", "&H00FFFFFF"), ("Speech", "&H0096E6FF"))
        ),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = [
        f"Dialogue: 0,{_timestamp(c.start)},{_timestamp(c.end)},{c.style},,0,0,0,,{escape_ass_text(c.text)}"
        for c in cues
        if c.end > c.start
    ]
    return "\n".join(head + events) + "\n"


def write_ass(cues: list[Cue], size: tuple[int, int], font: str, path: Path) -> Path:
    path.write_text(render_ass(cues, size, font), encoding="utf-8")
    return path


def read_ass_texts(path: Path) -> list[str]:
    """The visible text of every Dialogue in an ASS file written here (for checks and tests)."""
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Dialogue:"):
            texts.append(unescape_ass_text(line.split(",", 9)[9]))
    return texts
