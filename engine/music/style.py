"""Story mood -> musical style: mode, tempo band and BPM, General MIDI instruments, texture.

The text block labels the story and its scenes with a mood word. Each known mood maps to a style;
synonyms (English and Russian) map to the nearest mood, and anything unknown falls back to "calm"
so a new label never breaks scoring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    mood: str
    mode: str  # conditioning token: "major" | "minor"
    tempo: str  # conditioning token: "slow" | "medium" | "fast"
    bpm: float
    melody: int  # General MIDI program numbers (0-based)
    chords: int
    bass: int
    texture: str  # "pad" | "arpeggio" | "pulse"
    register: int  # median pitch the melody is moved to
    temperature: float = 0.85  # a little below 1: steadier tunes for a background score
    top_p: float = 0.92


STYLES: dict[str, Style] = {
    "calm": Style("calm", "major", "slow", 76, melody=73, chords=48, bass=32, texture="pad", register=74),
    "happy": Style(
        "happy", "major", "fast", 112, melody=71, chords=24, bass=32, texture="arpeggio", register=72
    ),
    "sad": Style("sad", "minor", "slow", 66, melody=42, chords=48, bass=43, texture="pad", register=60),
    "scary": Style("scary", "minor", "slow", 60, melody=10, chords=44, bass=43, texture="pulse", register=76),
    "tense": Style(
        "tense", "minor", "medium", 100, melody=45, chords=44, bass=43, texture="pulse", register=67
    ),
    "triumphant": Style(
        "triumphant", "major", "medium", 104, melody=56, chords=61, bass=58, texture="pulse", register=70
    ),
    "mysterious": Style(
        "mysterious", "minor", "slow", 70, melody=8, chords=89, bass=43, texture="arpeggio", register=74
    ),
    "adventurous": Style(
        "adventurous", "major", "fast", 116, melody=60, chords=48, bass=32, texture="pulse", register=67
    ),
    "playful": Style(
        "playful", "major", "fast", 120, melody=72, chords=45, bass=58, texture="pulse", register=76
    ),
    "tender": Style(
        "tender", "major", "slow", 70, melody=40, chords=0, bass=42, texture="arpeggio", register=72
    ),
}

ALIASES: dict[str, str] = {
    "peaceful": "calm",
    "quiet": "calm",
    "neutral": "calm",
    "gentle": "calm",
    "sleepy": "calm",
    "joyful": "happy",
    "cheerful": "happy",
    "merry": "happy",
    "bright": "happy",
    "excited": "happy",
    "funny": "playful",
    "comic": "playful",
    "comedy": "playful",
    "whimsical": "playful",
    "melancholy": "sad",
    "melancholic": "sad",
    "gloomy": "sad",
    "lonely": "sad",
    "tragic": "sad",
    "dark": "scary",
    "creepy": "scary",
    "horror": "scary",
    "fear": "scary",
    "frightening": "scary",
    "suspense": "tense",
    "suspenseful": "tense",
    "danger": "tense",
    "anxious": "tense",
    "dramatic": "tense",
    "epic": "triumphant",
    "heroic": "triumphant",
    "victory": "triumphant",
    "victorious": "triumphant",
    "magical": "mysterious",
    "mystery": "mysterious",
    "wonder": "mysterious",
    "eerie": "mysterious",
    "adventure": "adventurous",
    "action": "adventurous",
    "brave": "adventurous",
    "romantic": "tender",
    "warm": "tender",
    "love": "tender",
    "loving": "tender",
    "kind": "tender",
    "спокойный": "calm",
    "спокойное": "calm",
    "радостный": "happy",
    "весёлый": "happy",
    "веселый": "happy",
    "грустный": "sad",
    "печальный": "sad",
    "страшный": "scary",
    "жуткий": "scary",
    "напряжённый": "tense",
    "напряженный": "tense",
    "торжественный": "triumphant",
    "таинственный": "mysterious",
    "загадочный": "mysterious",
    "волшебный": "mysterious",
    "приключенческий": "adventurous",
    "смешной": "playful",
    "нежный": "tender",
}


def normalise_mood(mood: str | None) -> str:
    word = "".join(ch for ch in str(mood or "").strip().lower() if ch.isalpha() or ch in "-_ ")
    word = word.replace("-", " ").replace("_", " ").strip()
    if word in STYLES:
        return word
    if word in ALIASES:
        return ALIASES[word]
    for part in word.split():
        if part in STYLES:
            return part
        if part in ALIASES:
            return ALIASES[part]
    return "calm"


def style_for(mood: str | None) -> Style:
    return STYLES[normalise_mood(mood)]


def story_mood(story_mood_label: str | None, scene_moods: list[str]) -> str:
    """The story's own mood when it names a known style, else the most common scene mood."""
    if story_mood_label and normalise_mood(story_mood_label) != "calm":
        return normalise_mood(story_mood_label)
    counts = Counter(normalise_mood(m) for m in scene_moods if m)
    if counts:
        return counts.most_common(1)[0][0]
    return normalise_mood(story_mood_label)
