"""The story plan: what the model decides before it writes a word of the story.

A small instruction model keeps a plot far better when it first commits to one in structured
form — who is in it, what the hero wants, what goes wrong, who helps, how it ends, and what each
scene shows — and then writes each scene from that plan. The plan also drives the pictures: the
cast's one-line English looks and each scene's place, time, action and tags go straight into
Story.cast and the Scene fields the illustrators read.

Everything the model returns is parsed defensively: malformed JSON, missing fields, unknown cast
keys, the wrong number of scenes or a refusal all fall back to safe values (``fallback_plan``), so
the writer always has a plan of exactly ``n_scenes`` scenes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TIMES_OF_DAY = ("morning", "day", "evening", "night")
BEATS = ("setting", "problem", "attempt", "helper", "twist", "turning_point", "ending")
MAX_CAST = 4


@dataclass
class CastPlan:
    key: str
    name: str  # in the story's language
    kind_en: str = ""
    look_en: str = ""


@dataclass
class ScenePlan:
    beat: str = "setting"
    characters: list[str] = field(default_factory=list)
    place_en: str = ""
    time_of_day: str = ""
    action_en: str = ""
    tags_en: list[str] = field(default_factory=list)


@dataclass
class Plan:
    title: str = ""
    cast: list[CastPlan] = field(default_factory=list)
    want: str = ""
    problem: str = ""
    attempts: str = ""
    helper: str = ""
    turning_point: str = ""
    ending: str = ""
    scenes: list[ScenePlan] = field(default_factory=list)
    from_model: bool = True  # False when the model's answer was unusable and the fallback was used

    def outline(self) -> str:
        """The plot in a few lines, for the scene-writing prompt."""
        rows = [
            ("Wants", self.want),
            ("Problem", self.problem),
            ("Attempts", self.attempts),
            ("Helper or twist", self.helper),
            ("Turning point", self.turning_point),
            ("Ending", self.ending),
        ]
        return "\n".join(f"- {k}: {v}" for k, v in rows if v)


def beat_sequence(n_scenes: int) -> list[str]:
    """A plot of ``n_scenes`` beats: setting and problem first, turning point and ending last."""
    if n_scenes <= 1:
        return ["ending"]
    if n_scenes == 2:
        return ["problem", "ending"]
    if n_scenes == 3:
        return ["problem", "turning_point", "ending"]
    middle = n_scenes - 4
    attempts = ["attempt", "helper", "attempt", "twist"]
    mid = [attempts[i % len(attempts)] for i in range(middle)]
    return ["setting", "problem", *mid, "turning_point", "ending"]


def scene_keys(n_scenes: int) -> list[str]:
    """ "1_setting", "2_problem", … — the plan's scene keys, in order."""
    return [f"{i + 1}_{b}" for i, b in enumerate(beat_sequence(n_scenes))]


def plan_schema(n_scenes: int) -> dict[str, Any]:
    """The JSON schema the model's plan must follow (llama.cpp turns it into a grammar).

    Scenes are an object keyed by number and beat ("3_attempt"), not a list: a small model writing
    a list drifts into repeating its first scenes, while a key that names the beat it is filling
    keeps each scene on its own step of the plot.
    """
    keys = scene_keys(n_scenes)
    short = {"type": "string", "maxLength": 100}
    cast_item = {
        "type": "object",
        "properties": {
            "key": {"type": "string", "maxLength": 20},
            "name": {"type": "string", "maxLength": 40},
            "kind_en": {"type": "string", "maxLength": 24},
            "look_en": {"type": "string", "maxLength": 90},
        },
        "required": ["key", "name", "kind_en", "look_en"],
    }
    scene_item = {
        "type": "object",
        "properties": {
            "characters": {
                "type": "array",
                "items": {"type": "string", "maxLength": 20},
                "maxItems": MAX_CAST,
            },
            "place_en": {"type": "string", "maxLength": 60},
            "time_of_day": {"type": "string", "enum": list(TIMES_OF_DAY)},
            "action_en": {"type": "string", "maxLength": 110},
            "tags_en": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 4},
        },
        "required": ["characters", "place_en", "time_of_day", "action_en", "tags_en"],
    }
    return {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 60},
            "cast": {
                "type": "array",
                "items": cast_item,
                "minItems": 2 if n_scenes >= 5 else 1,
                "maxItems": MAX_CAST,
            },
            "want": short,
            "problem": short,
            "attempts": short,
            "helper": short,
            "turning_point": short,
            "ending": short,
            "scenes": {
                "type": "object",
                "properties": {k: scene_item for k in keys},
                "required": keys,
            },
        },
        "required": [
            "title",
            "cast",
            "want",
            "problem",
            "attempts",
            "helper",
            "turning_point",
            "ending",
            "scenes",
        ],
    }


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model's answer (code fences and chatter around it are ignored)."""
    text = re.sub(r"```(?:json)?", "", text)
    start = text.find("{")
    while start >= 0:
        depth = 0
        in_str = False
        escaped = False
        for i in range(start, len(text)):
            ch = text[i]
            if in_str:
                escaped = ch == "\\" and not escaped
                if ch == '"' and not escaped:
                    in_str = False
                continue
            if ch == '"':
                in_str = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    try:
                        value = json.loads(text[start : i + 1])
                    except ValueError:
                        break
                    return value if isinstance(value, dict) else None
        start = text.find("{", start + 1)
    return None


def _text(value: Any, limit: int = 200) -> str:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if not isinstance(value, (str, int, float)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()[:limit]


def _key(value: str) -> str:
    key = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
    return key[:20]


def _cast(raw: Any, hero: CastPlan) -> list[CastPlan]:
    """The model's cast, cleaned: unique keys, names present, the hero first; at least the hero."""
    cast: list[CastPlan] = []
    seen: set[str] = set()
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name"), 40)
        kind = _text(item.get("kind_en"), 24).lower()
        key = _key(_text(item.get("key"), 20) or kind or name) or f"char{len(cast) + 1}"
        if not name or key in seen:
            continue
        seen.add(key)
        cast.append(CastPlan(key, name, kind, _text(item.get("look_en"), 120)))
        if len(cast) == MAX_CAST:
            break
    if not cast:
        return [hero]
    return cast


def _scene(raw: Any, beat: str, keys: list[str]) -> ScenePlan:
    item = raw if isinstance(raw, dict) else {}
    chars_raw = item.get("characters")
    characters: list[str] = []
    for c in chars_raw if isinstance(chars_raw, list) else []:
        k = _key(_text(c, 20))
        match = next((key for key in keys if key == k or (k and (k in key or key in k))), None)
        if match and match not in characters:
            characters.append(match)
    if not characters:
        characters = keys[:1]
    time_of_day = _text(item.get("time_of_day"), 10).lower()
    tags_raw = item.get("tags_en")
    tags = [_text(t, 24).lower() for t in (tags_raw if isinstance(tags_raw, list) else [])]
    return ScenePlan(
        beat=beat,
        characters=characters,
        place_en=_text(item.get("place_en"), 60),
        time_of_day=time_of_day if time_of_day in TIMES_OF_DAY else "",
        action_en=_text(item.get("action_en"), 140),
        tags_en=[t for t in tags if t][:5],
    )


def _order(key: str) -> tuple[int, str]:
    m = re.match(r"\s*(\d+)", key)
    return (int(m.group(1)) if m else 10_000, key)


def parse_plan(answer: str, n_scenes: int, hero: CastPlan) -> Plan:
    """The model's answer as a Plan of exactly ``n_scenes`` scenes; the fallback when unusable."""
    data = extract_json(answer)
    if data is None:
        return fallback_plan(n_scenes, hero)
    cast = _cast(data.get("cast"), hero)
    keys = [c.key for c in cast]
    raw_scenes = data.get("scenes")
    if isinstance(raw_scenes, dict):  # keyed by "1_setting", …: in key order (numbers first)
        raw_list = [v for _, v in sorted(raw_scenes.items(), key=lambda kv: _order(kv[0]))]
    else:
        raw_list = raw_scenes if isinstance(raw_scenes, list) else []
    beats = beat_sequence(n_scenes)
    if not raw_list and not any(_text(data.get(k)) for k in ("want", "problem", "ending")):
        return fallback_plan(n_scenes, hero)  # a refusal or an empty object: nothing to build on
    # the beats are ours (the prompt lists them in order), the model fills in what each scene shows
    scenes = [_scene(raw_list[i] if i < len(raw_list) else None, beats[i], keys) for i in range(n_scenes)]
    if len(raw_list) > n_scenes and n_scenes >= 2:  # the model's last scene is its ending: keep it last
        scenes[-1] = _scene(raw_list[-1], "ending", keys)
    return Plan(
        title=_text(data.get("title"), 60).strip("«»\"' "),
        cast=cast,
        want=_text(data.get("want")),
        problem=_text(data.get("problem")),
        attempts=_text(data.get("attempts")),
        helper=_text(data.get("helper")),
        turning_point=_text(data.get("turning_point")),
        ending=_text(data.get("ending")),
        scenes=scenes,
    )


def fallback_plan(n_scenes: int, hero: CastPlan) -> Plan:
    """A plan with the hero alone and the genre-neutral beat sequence (no model needed)."""
    return Plan(
        cast=[hero],
        scenes=[ScenePlan(beat=b, characters=[hero.key]) for b in beat_sequence(n_scenes)],
        from_model=False,
    )
