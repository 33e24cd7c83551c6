"""Scene → text-to-image prompt: the same character described the same way in every scene.

Why one module for every generator: the look of a character must not depend on which backend draws
it. The prompt is built from what the writer says about the scene (its action, the cast members
present with their one-line looks, the place, the time of day, picture tags) and one story-wide
style line, in that order — CLIP text encoders read only 77 tokens, so what the picture is *about*
comes first and the style last. Stories without a cast (old story.json files, the Gemma writer)
fall back to the part-of-speech filter's words (``keywords_en`` / ``image_prompt``).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.story import CastMember, Scene, Story

#: The style line used when the story has none (Story.style_en) and the backend has no own default.
DEFAULT_STYLE = "children's storybook illustration, soft watercolour, warm light, clean simple shapes"

#: What no picture for a children's story bot should show, plus the usual artefacts.
NEGATIVE = (
    "nsfw, nude, naked, sexual, gore, blood, wound, corpse, violence, weapon, gun, horror, "
    "deformed, extra limbs, extra fingers, bad anatomy, text, letters, watermark, logo, signature, "
    "blurry, lowres, photo collage"
)

_TIME_WORDS = {
    "morning": "in the morning",
    "day": "in daylight",
    "evening": "in the evening",
    "night": "at night",
}
#: Seeds of a retry after the safety checker flagged a picture: far from every scene's first seed.
RETRY_STRIDE = 1_000_003


@dataclass(frozen=True)
class ScenePrompt:
    """Everything a generator needs for one scene, recorded in the scene's provenance."""

    text: str  # the positive prompt
    negative: str
    seed: int


def scene_seed(story: Story, scene: Scene, attempt: int = 0) -> int:
    """Fixed per story and scene (story seed + scene index), another one for each retry."""
    return (int(story.seed) + int(scene.index) + attempt * RETRY_STRIDE) % (2**32)


def cast_of(story: Story, scene: Scene) -> list[CastMember]:
    """The cast members the scene lists, main first (unknown keys are skipped, not guessed)."""
    by_key = {m.key: m for m in story.cast}
    return [by_key[k] for k in scene.characters if k in by_key]


def describe(member: CastMember) -> str:
    """A character's one fixed description: the writer's look line, else what they are."""
    return (member.look_en or member.kind_en or member.name).strip().rstrip(".")


def has_scene_fields(scene: Scene) -> bool:
    """Whether the writer described this scene (else the POS-filter words are all there is)."""
    return bool(scene.characters or scene.action_en or scene.place_en or scene.tags_en)


def english_prompt(story: Story, scene: Scene, style: str = "") -> str:
    """The English prompt: action; who (their looks); where and when; tags; style."""
    style_line = (story.style_en or style or DEFAULT_STYLE).strip().rstrip(".")
    if not has_scene_fields(scene):
        words = scene.keywords_en or [w for w in scene.image_prompt.split() if w]
        subject = ", ".join(words) if words else scene.text[:120]
        return f"{subject}. {style_line}"
    parts: list[str] = []
    if scene.action_en:
        parts.append(scene.action_en.strip().rstrip("."))
    looks = [describe(m) for m in cast_of(story, scene)]
    if looks:
        parts.append(" and ".join(looks) if len(looks) <= 2 else ", ".join(looks))
    where = scene.place_en.strip()
    when = _TIME_WORDS.get(scene.time_of_day, "")
    if where or when:
        parts.append(" ".join(p for p in (where, when) if p))
    if scene.tags_en:
        parts.append(", ".join(scene.tags_en[:6]))
    parts.append(style_line)
    return ". ".join(parts)


def scene_prompt(
    story: Story, scene: Scene, *, style: str = "", russian: bool = False, attempt: int = 0
) -> ScenePrompt:
    """The prompt, negative prompt and seed for one scene.

    ``russian``: for models that read Russian (Kandinsky), the scene's own text leads and the English
    cast line follows, so names and details the writer did not translate still reach the picture.
    """
    text = english_prompt(story, scene, style)
    if russian and story.lang == "ru" and scene.text.strip():
        text = f"{scene.text.strip()} {text}"
    return ScenePrompt(text=text, negative=NEGATIVE, seed=scene_seed(story, scene, attempt))
