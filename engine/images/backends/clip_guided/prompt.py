"""The English text CLIP is guided by, built from a scene.

CLIP was trained on English captions, so a Russian prompt steers it poorly. The text block fills
``scene.keywords_en`` (English twins of the scene's key lemmas, from the word map); when it is
empty we fall back to ``scene.image_prompt`` as is and say so in the returned note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.images.prompts import english_prompt, has_scene_fields
from engine.story import Scene, Story

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_SPACES = re.compile(r"\s+")

#: A per-genre look, so every scene of a story shares one style.
STYLE_BY_GENRE: dict[str, str] = {
    "fairy_tale": "a storybook illustration",
    "fable": "a storybook illustration",
    "adventure": "an adventure book illustration",
    "horror": "a dark moody illustration",
    "comedy": "a bright cartoon illustration",
    "scifi": "a science fiction concept art illustration",
    "detective": "a noir illustration",
}
DEFAULT_STYLE = "a storybook illustration"
MAX_CHARS = 300  # CLIP reads at most 77 tokens anyway; this keeps the text we log short


@dataclass(frozen=True)
class ClipPrompt:
    text: str
    english: bool  # False when we had to fall back to non-English words
    note: str = ""


def clip_prompt(scene: Scene, story: Story) -> ClipPrompt:
    """The scene's cast/place/action prompt when the writer gave one; else ``"<style> of dragon,
    castle, forest"`` from the English keywords, else the raw image prompt."""
    style = STYLE_BY_GENRE.get(story.genre, DEFAULT_STYLE)
    if has_scene_fields(scene):  # the writer described the scene: its cast, place and action lead
        return ClipPrompt(english_prompt(story, scene, style)[:MAX_CHARS], english=True)
    words = [_SPACES.sub(" ", w).strip() for w in scene.keywords_en if w and w.strip()]
    if words:
        return ClipPrompt(f"{style} of {', '.join(words)}"[:MAX_CHARS], english=True)
    fallback = _SPACES.sub(" ", scene.image_prompt or scene.text).strip()
    if not fallback:
        return ClipPrompt(style, english=True, note="the scene has no words to draw; drawing the style alone")
    english = not _CYRILLIC.search(fallback)
    note = (
        ""
        if english
        else "CLIP reads English; this scene has no English keywords, so its prompt was used as is"
    )
    return ClipPrompt(f"{style} of {fallback}"[:MAX_CHARS], english=english, note=note)
