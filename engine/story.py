"""Plain data that flows through the engine: a request in, a story with scenes out.

These dataclasses are the contract between the blocks (text, speech, music, images, upscale,
video), the pipeline, and the bot. They carry no behaviour beyond (de)serialisation so that any
block can be redone from a story folder's ``story.json`` without re-running the others.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Pipeline stages in the order they run; the bot shows these names in progress messages.
STAGES: tuple[str, ...] = ("text", "speech", "music", "images", "upscale", "video")

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (1080, 1080)}

GENRES: tuple[str, ...] = ("fairy_tale", "fable", "adventure", "horror", "comedy", "scifi", "detective")


@dataclass
class StoryRequest:
    """What the user asked for. Defaults give a 60–90 s story in 6–10 scenes."""

    prompt: str
    lang: str = "auto"  # "ru" | "en" | "auto" (detected from the prompt)
    voice: str | None = None  # narrator voice id from the catalogue; None = best for the language
    genre: str = "auto"  # one of GENRES or "auto"
    scenes: int | None = None  # None = chosen from the duration
    duration: float = 75.0  # target narration length in seconds
    aspect: str = "16:9"
    seed: int = 42
    music: bool = True
    text_backend: str = "auto"
    image_backend: str = "auto"
    upscale_model: str = "auto"

    @property
    def size(self) -> tuple[int, int]:
        return ASPECTS[self.aspect]


@dataclass
class Line:
    """One stretch of narration spoken by one voice (narrator or a character)."""

    text: str
    speaker: str = "narrator"  # "narrator" or a character key such as "char1"
    voice: str | None = None
    audio: str | None = None  # wav path relative to the story folder
    start: float = 0.0  # seconds within the scene's own audio (Scene.start places the scene in the video)
    end: float = 0.0


@dataclass
class CastMember:
    """One character of the story, described once so every illustrator draws them the same way."""

    key: str  # stable id used by scenes, e.g. "dragon" or "girl"
    name: str  # as the story calls them, in the story's language ("маленький дракон")
    #: one line, English: what they look like and wear ("a small green dragon with a red scarf")
    look_en: str = ""
    kind_en: str = ""  # one or two English words for what they are ("dragon", "girl"): picks drawings
    hero: bool = False


@dataclass
class Scene:
    """A few sentences shown over one picture."""

    index: int
    text: str
    # What the picture must show, written by the text block (empty when the writer could not say):
    characters: list[str] = field(default_factory=list)  # CastMember.key of everyone present, main first
    place_en: str = ""  # where it happens, English ("a dark forest", "the village bakery")
    time_of_day: str = ""  # "morning" | "day" | "evening" | "night" | ""
    action_en: str = ""  # what happens, one short English clause ("the dragon lights a lantern")
    tags_en: list[str] = field(default_factory=list)  # short English picture tags ("lantern", "stars")
    image_prompt: str = ""  # words picked by the part-of-speech filter, most important first
    keywords: list[str] = field(default_factory=list)  # lemmas behind image_prompt
    keywords_en: list[str] = field(default_factory=list)  # English twins (for CLIP and clip art)
    mood: str = "calm"
    lines: list[Line] = field(default_factory=list)
    audio: str | None = None  # the scene's narration wav, relative to the story folder
    image: str | None = None  # the image as the images block drew it
    frame: str | None = None  # the frame shown in the video (image after upscaling / fitting)
    image_matches: list[dict[str, Any]] = field(default_factory=list)  # word → asset, for checking
    # How the picture was made (OUT.json says per scene which backend drew it, with what prompt and seed):
    image_backend: str = ""
    image_prompt_used: str = ""
    image_seed: int | None = None
    start: float = 0.0
    end: float = 0.0

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class Story:
    """A story and everything made for it; saved as ``story.json`` in its folder."""

    prompt: str
    lang: str
    genre: str
    title: str = ""
    text: str = ""
    voice: str = ""
    mood: str = "calm"
    seed: int = 42
    aspect: str = "16:9"
    scenes: list[Scene] = field(default_factory=list)
    cast: list[CastMember] = field(default_factory=list)  # everyone who appears, hero first
    style_en: str = ""  # one story-wide English style line for illustrators
    backends: dict[str, str] = field(default_factory=dict)  # block → backend that really ran
    timings: dict[str, float] = field(default_factory=dict)  # stage → seconds
    done: list[str] = field(default_factory=list)  # stages finished, for resuming
    music: str | None = None  # the music wav, relative to the story folder
    midi: str | None = None
    video: dict[str, Any] = field(default_factory=dict)  # file, duration, size_bytes, width, height
    notes: list[str] = field(default_factory=list)  # honest remarks (fallbacks taken, blocks missing)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        data = dict(data)
        cast = [CastMember(**c) for c in data.pop("cast", [])]
        scenes = []
        for s in data.pop("scenes", []):
            s = dict(s)
            lines = [Line(**ln) for ln in s.pop("lines", [])]
            scenes.append(Scene(**s, lines=lines))
        return cls(**data, scenes=scenes, cast=cast)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash never leaves a half-written story.json

    @classmethod
    def load(cls, path: Path) -> Story:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
