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
#: Story languages whose plan also carries local names: the suffix of their fields ("names_ru").
LOCAL_KEYS = {"ru": "ru"}
BEATS = (
    "setting",
    "problem",
    "attempt",
    "helper",
    "twist",
    "journey",
    "obstacle",
    "clue",
    "setback",
    "friend",
    "turning_point",
    "ending",
)
#: The middle of a long story (more than four middle scenes): each step a new kind of event.
#: Cycling attempt/helper/twist over eight middle scenes gave the model nothing new to say: its
#: 12-scene plans repeated their actions (a third were dropped as repeats) and so did the scenes.
LONG_MIDDLE = (
    "attempt",
    "helper",
    "journey",
    "obstacle",
    "clue",
    "twist",
    "setback",
    "friend",
    "attempt",
    "journey",
)
MAX_CAST = 4


@dataclass
class CastPlan:
    key: str
    name: str  # in the story's language
    kind_en: str = ""
    look_en: str = ""
    name_local: str = ""  # the name as the story's language says it («ёжик Тим»), when the plan gave one


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
    title_local: str = ""  # the title in the story's language, when the plan gave one
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
    cycle = ("attempt", "helper", "attempt", "twist") if middle <= 4 else LONG_MIDDLE
    mid = [cycle[i % len(cycle)] for i in range(middle)]
    return ["setting", "problem", *mid, "turning_point", "ending"]


def scene_keys(n_scenes: int) -> list[str]:
    """ "1_setting", "2_problem", … — the plan's scene keys, in order."""
    return [f"{i + 1}_{b}" for i, b in enumerate(beat_sequence(n_scenes))]


def plan_schema(n_scenes: int, lang: str = "en") -> dict[str, Any]:
    """The JSON schema the model's plan must follow (llama.cpp turns it into a grammar).

    Scenes are an object keyed by number and beat ("3_attempt"), not a list: a small model writing
    a list drifts into repeating its first scenes, while a key that names the beat it is filling
    keeps each scene on its own step of the plot.

    Every field costs generated tokens (on 2 CPU cores the plan was a third of the text stage), so
    the schema asks only for what cannot be derived: who is present and what to draw are read from
    each scene's action afterwards (``characters_in``, ``picture_tags``), and the plot in between
    (attempts, turning point) is what the scenes' actions already say. A Russian story's plan
    ends with the title and the cast's names in Russian (``title_ru``, ``names_ru`` in cast order),
    so no second call translates them.
    """
    keys = scene_keys(n_scenes)
    short = {"type": "string", "maxLength": 100}
    local = LOCAL_KEYS.get(lang)
    cast_fields: dict[str, Any] = {
        "key": {"type": "string", "maxLength": 20},
        "name": {"type": "string", "maxLength": 40},
        "kind_en": {"type": "string", "maxLength": 24},
        "look_en": {"type": "string", "maxLength": 90},
    }
    cast_item = {"type": "object", "properties": cast_fields, "required": list(cast_fields)}
    scene_item = {
        "type": "object",
        "properties": {
            "place_en": {"type": "string", "maxLength": 60},
            "time_of_day": {"type": "string", "enum": list(TIMES_OF_DAY)},
            "action_en": {"type": "string", "maxLength": 110},
        },
        "required": ["place_en", "time_of_day", "action_en"],
    }
    # the local title and names come last: asked for earlier, they pulled every field after them
    # into that language (and the picture fields must stay English)
    local_fields: dict[str, Any] = {}
    if local:
        local_fields = {
            f"title_{local}": {"type": "string", "maxLength": 60},
            f"names_{local}": {
                "type": "array",
                "items": {"type": "string", "maxLength": 40},
                "maxItems": MAX_CAST,
            },
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
            "ending": short,
            "scenes": {
                "type": "object",
                "properties": {k: scene_item for k in keys},
                "required": keys,
            },
            **local_fields,
        },
        "required": ["title", "cast", "want", "problem", "ending", "scenes", *local_fields],
    }


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model's answer (code fences and chatter around it are ignored).

    An answer cut off by its token limit is closed after its last complete value, so a plan that
    ran out in scene 9 of 12 still gives its cast and eight scenes rather than nothing.
    """
    text = re.sub(r"```(?:json)?", "", text)
    start = text.find("{")
    while start >= 0:
        value, complete = _scan_object(text, start)
        if value is not None or complete:
            return value
        start = text.find("{", start + 1)
    return None


def _scan_object(text: str, start: int) -> tuple[dict[str, Any] | None, bool]:
    """(the object at ``start``, whether it closed); a cut-off object is repaired when it can be."""
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []  # (position after a complete value, the closers it needs)
    in_str = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            escaped = ch == "\\" and not escaped
            if ch == '"' and not escaped:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None, False  # not JSON after all: look for the next object
            if not stack:
                try:
                    value = json.loads(text[start : i + 1])
                except ValueError:
                    return None, False
                return (value if isinstance(value, dict) else None), True
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch == ",":
            cuts.append((i, "".join(reversed(stack))))
    for end, closers in reversed(cuts[-40:]):  # cut off: close it after the last value that parses
        try:
            value = json.loads(text[start:end] + closers)
        except ValueError:
            continue
        return (value if isinstance(value, dict) else None), False
    return None, False


def _text(value: Any, limit: int = 200) -> str:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if not isinstance(value, (str, int, float)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()[:limit]


def _key(value: str) -> str:
    key = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
    return key[:20]


def _cast(raw: Any, hero: CastPlan, local: Any = None) -> list[CastPlan]:
    """The model's cast, cleaned: unique keys, names present, the hero first; at least the hero.
    ``local``: the names in the story's language, in the model's cast order."""
    local_names = [_text(n, 40).strip("«»\"' ") for n in local] if isinstance(local, list) else []
    cast: list[CastPlan] = []
    seen: set[str] = set()
    if isinstance(raw, dict):  # {"dragon": {"name": …}, …}: keyed by the cast keys
        raw = [{"key": k, **v} if isinstance(v, dict) else v for k, v in raw.items()]
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name"), 40)
        kind = _text(item.get("kind_en"), 24).lower()
        key = _key(_text(item.get("key"), 20) or kind or name) or f"char{len(cast) + 1}"
        if not name or key in seen or name.lower() in seen:  # one name, one character (a robot "Tom" twice)
            continue
        seen |= {key, name.lower()}
        name_local = local_names[i] if i < len(local_names) else ""
        cast.append(CastPlan(key, name, kind, _text(item.get("look_en"), 120), name_local))
        if len(cast) == MAX_CAST:
            break
    if not cast:
        return [hero]
    return cast


def english_words(text: str) -> set[str]:
    """Lowercase English words with a plural -s dropped ("owls" and "owl" meet)."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z]+", text.lower())}


def characters_in(action: str, cast: list[CastPlan], listed: Any = None) -> list[str]:
    """Cast keys present in a scene: those the plan listed, else those its action names (by name,
    key or kind); the hero always comes first — a children's story follows its hero."""
    keys = [c.key for c in cast]
    found: list[str] = []
    for c in listed if isinstance(listed, list) else []:
        k = _key(_text(c, 20))
        match = next((key for key in keys if key == k or (k and (k in key or key in k))), None)
        if match and match not in found:
            found.append(match)
    if not found:
        said = english_words(action)
        found = [c.key for c in cast if said & english_words(f"{c.name} {c.key} {c.kind_en}")]
    hero = keys[:1]
    return hero + [k for k in found if k not in hero]


def picture_tags(action: str, place: str, cast: list[CastPlan], limit: int = 4) -> list[str]:
    """Things to draw in a scene: the nouns (with their adjectives) of its action and place that are
    not the cast ("a lost star", "lantern") — what the plan's tags used to spend tokens on."""
    from engine.text.keywords import extract_keywords

    taken: set[str] = set()
    for c in cast:
        taken |= english_words(f"{c.name} {c.key} {c.kind_en}")
    tags: list[str] = []
    for kw in extract_keywords(f"{action}. {place}", "en", limit=limit + len(cast)):
        if kw.pos == "NOUN" and not (english_words(kw.phrase) & taken) and kw.phrase.lower() not in tags:
            tags.append(kw.phrase.lower())
    return tags[:limit]


def _scene(raw: Any, beat: str, cast: list[CastPlan]) -> ScenePlan:
    item = raw if isinstance(raw, dict) else {}
    action = _text(item.get("action_en"), 140)
    place = _text(item.get("place_en"), 60)
    time_of_day = _text(item.get("time_of_day"), 10).lower()
    tags_raw = item.get("tags_en")
    tags = [_text(t, 24).lower() for t in (tags_raw if isinstance(tags_raw, list) else [])]
    tags = [t for t in tags if t][:5] or picture_tags(action, place, cast)
    return ScenePlan(
        beat=beat,
        characters=characters_in(action, cast, item.get("characters")),
        place_en=place,
        time_of_day=time_of_day if time_of_day in TIMES_OF_DAY else "",
        action_en=action,
        tags_en=tags,
    )


def _order(key: str) -> tuple[int, str]:
    m = re.match(r"\s*(\d+)", key)
    return (int(m.group(1)) if m else 10_000, key)


def parse_plan(answer: str, n_scenes: int, hero: CastPlan) -> Plan:
    """The model's answer as a Plan of exactly ``n_scenes`` scenes; the fallback when unusable."""
    data = extract_json(answer)
    if data is None:
        return fallback_plan(n_scenes, hero)
    local_names = next((v for k, v in data.items() if k.startswith("names_")), None)
    cast = _cast(data.get("cast"), hero, local_names)
    raw_scenes = data.get("scenes")
    if isinstance(raw_scenes, dict):  # keyed by "1_setting", …: in key order (numbers first)
        raw_list = [v for _, v in sorted(raw_scenes.items(), key=lambda kv: _order(kv[0]))]
    else:
        raw_list = raw_scenes if isinstance(raw_scenes, list) else []
    beats = beat_sequence(n_scenes)
    if not raw_list and not any(_text(data.get(k)) for k in ("want", "problem", "ending")):
        return fallback_plan(n_scenes, hero)  # a refusal or an empty object: nothing to build on
    # the beats are ours (the prompt lists them in order), the model fills in what each scene shows
    scenes = [_scene(raw_list[i] if i < len(raw_list) else None, beats[i], cast) for i in range(n_scenes)]
    if len(raw_list) > n_scenes and n_scenes >= 2:  # the model's last scene is its ending: keep it last
        scenes[-1] = _scene(raw_list[-1], "ending", cast)
    return Plan(
        title=_text(data.get("title"), 60).strip("«»\"' "),
        title_local=next(
            (
                _text(v, 60).strip("«»\"' ")
                for k, v in data.items()
                if k.startswith("title_") and k != "title_en"
            ),
            "",
        ),
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
