"""Reads a story's scenes before any is drawn: setting, subjects, names and the cast.

Two ways to read a scene. When the writer described it (``scene.characters`` naming members of
``story.cast``, ``place_en``, ``time_of_day``, ``tags_en``), the plan follows that: exactly the
characters the scene lists (each drawn from their ``kind_en``, the same drawing story-wide), at most
one prop from the tags, the named place and time — not every noun of the sentence. Otherwise (old
stories, writers without scene fields) every scene's words are read (words → lemmas → setting,
subjects), so the cast is fixed story-wide, names point at the characters they name ("a girl named
Amira"), and a scene that names nobody can still show the hero. Either way body parts and abstract
nouns (``words.NEVER_DRAWN``) never become floating objects. The planner never draws; the composer
draws what it planned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from engine.images.backends.composer.cast import Cast, Member
from engine.images.backends.composer.index import DEFAULT_SIZE, AssetIndex, Match
from engine.images.backends.composer.render import is_cutout
from engine.images.backends.composer.setting import SEASONS, SETTINGS, TIMES, WEATHER, Setting, detect
from engine.images.backends.composer.words import NEVER_DRAWN, Token, english_lemma, lemmas, tokens
from engine.story import CastMember, Scene

MAX_SUBJECTS = 3
MAX_SCENERY = 1
_SETTING_OF = {w: place for place, words in SETTINGS.items() for w in words}
TIME_OF = {w: t for t, words in TIMES.items() for w in words}
_WEATHER_OF = {w: t for t, words in WEATHER.items() for w in words}
_SEASON_WORDS = {w for words in SEASONS.values() for w in words if " " not in w}
# Phrases a lemma list cannot see ("на дне" lemmatises to "на день").
_UNDERWATER = re.compile(
    r"\b(под вод|на дн[еоу]\b|морск\w* дн|underwater|under the (sea|water)|seabed)", re.I
)
# Common nouns that, in a story with a named child, are that child ("девочка Маша").
_GIRL_WORDS = {"девочка", "девчонка", "дочь", "дочка", "внучка", "девушка", "girl", "daughter"}
_BOY_WORDS = {"мальчик", "мальчишка", "сын", "внук", "юноша", "парень", "boy", "son"}
_SCENERY_KINDS = ("building", "landform", "plant")
_CHARACTER_KINDS = ("person", "creature", "flyer", "swimmer")
_WATER_PLACES = ("sea", "lake", "underwater")
_COLLECTIVE = {"животное", "зверь", "зверушка", "зверек", "зверье", "animal", "creature"}
_DRAWN_EVEN_AS_PLACE = ("flyer", "swimmer", "vehicle", "person", "creature")
_PAINTED_IN = {"room": {"окно", "window", "стена", "wall", "пол", "floor"}}  # the painter draws these
_PROP_KINDS = ("object", "plant", "vehicle")
_FLYING = re.compile(r"\b(fly|flies|flying|flew|soar\w*|sky|air|airborne|rides? on)\b")
_GENERIC_KINDS = {
    "bird",
    "animal",
    "creature",
    "beast",
    "character",
    "person",
    "fish",
    "insect",
    "pet",
    "monster",
}


@dataclass
class Placed:
    match: Match
    member: Member
    role: str  # "subject" | "background" | "cast"


@dataclass
class ScenePlan:
    scene: Scene
    setting: Setting
    subjects: list[Placed] = field(default_factory=list)
    scenery: list[Placed] = field(default_factory=list)
    setting_words: list[Token] = field(default_factory=list)
    sky_words: list[Token] = field(default_factory=list)
    collective: list[Token] = field(default_factory=list)  # "звери", "animals": the story's creatures
    airborne: set[str] | None = None  # cast keys that fly in this scene (None: decided by size, as before)


def merge_bigrams(
    toks: list[Token], bigrams: dict[str, str], names: dict[str, str] | None = None
) -> list[Token]:
    """Join two-word names into one token: the word map's ("Дед Мороз", "летучая мышь") and, in
    English, emoji names ("black cat", "polar bear")."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        if i + 1 < len(toks):
            pair = f"{toks[i].lemma} {toks[i + 1].lemma}"
            key = bigrams.get(pair)
            if (
                key is None
                and names is not None
                and toks[i].lang == toks[i + 1].lang == "en"
                and pair in names
            ):
                key = pair
            if key is not None:
                a, b = toks[i], toks[i + 1]
                out.append(Token(f"{a.surface} {b.surface}", key, a.lang, True))
                i += 2
                continue
        out.append(toks[i])
        i += 1
    return out


def scene_tokens(scene: Scene, index: AssetIndex) -> list[Token]:
    """The scene's words, most important first: keywords, then the image prompt, then the text."""
    known = index.english_words
    seen: set[str] = set()
    out: list[Token] = []
    text_tokens = merge_bigrams(tokens(scene.text, known), index.bigrams, index.annotation)
    in_text = {t.lemma: t for t in reversed(text_tokens)}  # the first occurrence wins
    for t in text_tokens:  # a keyword that is half of a two-word name stands for the whole name
        if " " in t.lemma:
            for part in t.lemma.split():
                in_text.setdefault(part, t)
            for part in lemmas(t.surface):
                in_text[part] = t
    for source in (" ".join(scene.keywords), scene.image_prompt):
        for t in merge_bigrams(tokens(source, known), index.bigrams, index.annotation):
            t = in_text.get(t.lemma, t)
            if t.lemma not in seen:
                seen.add(t.lemma)
                # the text's own token knows the surface form and whether it was a capitalised name
                out.append(t)
    for t in text_tokens:
        if t.lemma not in seen:
            seen.add(t.lemma)
            out.append(t)
    return out


_NAMING = {"имя", "звать", "named", "called", "name"}


def find_aliases(texts: list[str], index: AssetIndex) -> dict[str, Token]:
    """Names given to a character: "дракон по имени Искра", "a girl named Amira", "detective Sam".

    Later mentions of the name then show the same drawing as the noun that introduced it."""
    aliases: dict[str, Token] = {}
    for text in texts:
        toks = tokens(text, index.english_words)
        last_character: Token | None = None  # the latest character named in this text
        previous: Token | None = None  # the character named by the word just before, if any
        naming = False
        for tok in toks:
            if naming and last_character is not None and tok.lemma not in aliases:
                aliases[tok.lemma] = last_character
                naming = False
                continue
            if tok.lemma in _NAMING:
                naming = True
                continue
            capitalised = tok.surface[:1].isupper()
            if (
                capitalised
                and tok.lang == "en"
                and previous is not None
                and tok.lemma not in index.english_words
                and tok.lemma not in aliases
            ):
                aliases[tok.lemma] = previous  # "detective Sam", "Captain Rosa"
                continue
            m = index.match(tok)
            previous = tok if m is not None and m.kind in _CHARACTER_KINDS else None
            last_character = previous or last_character
    return aliases


class Planner:
    """Plans all scenes of one story against one index and one (saved) cast."""

    def __init__(self, index: AssetIndex, cast: Cast) -> None:
        self.index = index
        self.cast = cast

    def plan(self, scenes: list[Scene], story_cast: list[CastMember] | None = None) -> list[ScenePlan]:
        """One plan per scene, in order; assigns (and counts) cast members as it goes.

        Scenes that list characters of ``story_cast`` are planned from the writer's fields; the others
        (and every scene of a story without a cast) from their words."""
        by_key = {m.key: m for m in story_cast or []}
        if by_key and any(k in by_key for s in scenes for k in s.characters):
            return self._plan_from_fields(scenes, by_key)
        return self._plan_from_words(scenes)

    # -- scenes read from their words -----------------------------------------------------------
    def _plan_from_words(self, scenes: list[Scene]) -> list[ScenePlan]:
        plans: list[ScenePlan] = []
        previous: Setting | None = None
        all_tokens = [scene_tokens(scene, self.index) for scene in scenes]
        aliases = find_aliases([scene.text for scene in scenes], self.index)
        names: dict[str, Token] = {}
        for toks in all_tokens:
            for tok in toks:
                if tok.name_gender and tok.name_gender not in names:
                    names[tok.name_gender] = tok
        for scene, toks in zip(scenes, all_tokens, strict=True):
            words = [t.lemma for t in toks]
            if _UNDERWATER.search(scene.text or ""):
                words.insert(0, "подводный")
            plan = ScenePlan(scene, detect(words, previous))
            keys: set[str] = set()
            for tok in toks:
                if self._painted(plan, tok):
                    continue
                own_lemma = tok.lemma
                if tok.lemma in aliases:
                    named = aliases[tok.lemma]
                    tok = Token(tok.surface, named.lemma, named.lang, True, named.name_gender)
                tok = self._alias(tok, names)
                m = self.index.match(tok, accept=is_cutout)
                if m is not None and m.kind != "setting":
                    self._add(plan, keys, m, bool(tok.name_gender), own_lemma)
            for m in self.index.emoji_matches(scene.text):
                if m.lemma not in NEVER_DRAWN:
                    self._add(plan, keys, m, False)
            # characters take the main slot, things come after them
            plan.subjects.sort(key=lambda p: p.member.kind not in _CHARACTER_KINDS)
            if plan.setting.place not in _WATER_PLACES and any(
                p.member.kind == "swimmer" and p.member.size >= 0.6 for p in plan.subjects
            ):
                # a whale or an octopus means the scene is at sea, whatever was inherited
                plan.setting = replace(plan.setting, place="sea")
            previous = plan.setting
            plans.append(plan)
        self._show_hero(plans)
        return plans

    def _painted(self, plan: ScenePlan, tok: Token) -> bool:
        """Whether a word is the painter's (place, season, time, weather, a room's wall), a group word,
        or never drawn — i.e. not a drawing of its own. Records it on the plan where it counts."""
        setting, lemma = plan.setting, tok.lemma
        place = _SETTING_OF.get(lemma)
        if place is not None and place == setting.place:
            plan.setting_words.append(tok)
            drawn = self.index.curated(lemma, tok.lang)
            # a rocket or a ship sets the place *and* is in the picture; the painter shows a forest
            return drawn is None or drawn.kind not in _DRAWN_EVEN_AS_PLACE
        seasonal = lemma in _SEASON_WORDS and lemma not in TIME_OF and lemma not in _WEATHER_OF
        if seasonal and self.index.curated(lemma, tok.lang) is None:
            return True  # the painter shows the season (snow, autumn ground, blossom)
        if lemma in TIME_OF or lemma in _WEATHER_OF:
            # the painter shows time and weather (moon, stars, rain); no sprite duplicates it
            if setting.place != "underwater" and (
                TIME_OF.get(lemma) == setting.time or _WEATHER_OF.get(lemma) == setting.weather
            ):
                plan.sky_words.append(tok)
            return True
        if lemma in _PAINTED_IN.get(setting.place, ()):
            plan.setting_words.append(tok)
            return True
        if lemma in _COLLECTIVE:
            plan.collective.append(tok)
            return True
        return lemma in NEVER_DRAWN  # "hungry eyes" are the character's, not two eyeballs in the sky

    def _show_hero(self, plans: list[ScenePlan]) -> None:
        """Group words bring the story's animals; a scene that names nobody still shows the hero."""
        hero = self.cast.protagonist()
        for plan in plans:
            self._add_group(plan)
            if hero is not None and not any(p.member.kind in _CHARACTER_KINDS for p in plan.subjects):
                # not counted as a match: the scene did not name them
                m = Match("", "", hero.asset_id, "openmoji", hero.kind, hero.size, hero.key, 0.0, False)
                plan.subjects.insert(0, Placed(m, hero, "cast"))
                del plan.subjects[MAX_SUBJECTS:]

    # -- scenes the writer described ------------------------------------------------------------
    def _plan_from_fields(self, scenes: list[Scene], by_key: dict[str, CastMember]) -> list[ScenePlan]:
        plans: list[ScenePlan] = []
        previous: Setting | None = None
        for scene in scenes:
            setting = self._setting_of(scene, previous)
            previous = setting
            plan = ScenePlan(scene, setting, airborne=set())
            if scene.place_en:  # what the painter shows, as rows of the scene's matches
                plan.setting_words.append(Token(scene.place_en, setting.place, "en", True))
            if scene.time_of_day in ("morning", "evening", "night"):
                plan.sky_words.append(Token(scene.time_of_day, scene.time_of_day, "en", True))
            for key in scene.characters:
                member = by_key.get(key)
                if member is not None and len(plan.subjects) < MAX_SUBJECTS:
                    self._add_character(plan, member)
            self._add_props(plan, scene, by_key)
            if plan.setting.place not in _WATER_PLACES and any(
                p.member.kind == "swimmer" and p.member.size >= 0.6 for p in plan.subjects
            ):
                plan.setting = previous = replace(plan.setting, place="sea")
            plans.append(plan)
        return plans

    def _setting_of(self, scene: Scene, previous: Setting | None) -> Setting:
        """The named place and time first; the scene's own words add weather and season."""
        place_words = [english_lemma(w) for w in re.findall(r"[a-z]+", scene.place_en.lower())]
        tag_words = [english_lemma(w) for t in scene.tags_en for w in re.findall(r"[a-z]+", t.lower())]
        words = place_words + tag_words + lemmas(scene.text or "")
        if _UNDERWATER.search(f"{scene.place_en} {scene.text}"):
            words.insert(0, "подводный")
        setting = detect(words, previous)
        if scene.time_of_day in TIMES:
            setting = replace(setting, time=scene.time_of_day)
        return setting

    def _cast_match(self, member: CastMember) -> Match | None:
        """The drawing for a cast member: the emoji named exactly what they are ("old man", "santa
        claus"), else the head noun of ``kind_en``, else a character noun of their look line (the look
        first when ``kind_en`` is a generic word such as "bird"), else of their name ("the pirate"),
        else a person: the scene says someone is there."""
        kind = member.kind_en.strip().lower()
        named = self._by_annotation(kind) if kind and kind not in _GENERIC_KINDS else None
        if named is not None:
            return named
        sources = [(kind, _CHARACTER_KINDS + _PROP_KINDS), (member.look_en, _CHARACTER_KINDS)]
        if kind in _GENERIC_KINDS:  # "bird" with the look "an eagle with wings": the eagle
            sources.reverse()
        sources.append((member.name, _CHARACTER_KINDS))  # a thin cast entry: "the pirate", "рыбак"
        for text, kinds in sources:
            for tok in reversed(tokens(text, self.index.english_words)) if text else []:
                if tok.lemma in NEVER_DRAWN:
                    continue
                m = self.index.match(tok, accept=is_cutout)
                if m is not None and m.kind in kinds:
                    return m
        # nothing names a drawing ("the lighthouse keeper"): someone is there, most likely a person
        return self._by_annotation("person")

    def _by_annotation(self, phrase: str) -> Match | None:
        annotation = self.index.annotation
        asset = annotation.get(phrase)
        if asset is None:  # "santa" → "santa claus"
            longer = sorted((k for k in annotation if k.startswith(phrase + " ")), key=len)
            asset = annotation[longer[0]] if longer and " " not in phrase else None
        if asset is None or not is_cutout(asset):
            return None
        info = self.index.info(asset)
        if info["kind"] not in _CHARACTER_KINDS + _PROP_KINDS:
            return None
        return Match(phrase, phrase, asset, info["source"], info["kind"], DEFAULT_SIZE[info["kind"]], phrase,
                     20.0, True)  # fmt: skip

    def _add_character(self, plan: ScenePlan, member: CastMember) -> None:
        m = self._cast_match(member)
        if m is None:
            return
        scene = plan.scene
        said = f"{scene.action_en} {scene.place_en} {' '.join(scene.tags_en)}".lower()
        if plan.airborne is not None and _FLYING.search(said):
            plan.airborne.add(member.key)
        row = replace(m, word=member.name)  # the drawing's own lemma; the cast key is the member's
        placed = self.cast.assign_member(member.key, m, self.index)
        plan.subjects.append(Placed(row, placed, "subject"))

    def _add_props(self, plan: ScenePlan, scene: Scene, by_key: dict[str, CastMember]) -> None:
        """At most one thing the scene is about (a tag, or the action's object), never a body part. A
        creature only from the writer's picture tags, and only beside fewer than two characters (the
        girl's camel when the cast lists just the girl)."""
        cast_words = " ".join(f"{m.kind_en} {m.name}" for m in by_key.values()).lower()
        taken = {english_lemma(w) for w in re.findall(r"[a-z]+", cast_words)}
        taken |= {p.match.en for p in plan.subjects}
        creature_ok = len(scene.characters) < 2
        candidates = [(t, creature_ok) for t in scene.tags_en]
        candidates += [(w, False) for w in re.findall(r"[a-z]+", scene.action_en.lower())]
        for word, creatures in candidates:
            if len(plan.subjects) >= MAX_SUBJECTS:
                return
            for tok in tokens(word, self.index.english_words):
                if tok.lemma in taken:
                    continue
                m = self._prop_for(tok, creatures)
                if m is not None:
                    plan.subjects.append(Placed(m, self.cast.assign(m, self.index), "subject"))
                    return  # one thing beside the characters, never a crowd of nouns

    def _prop_for(self, tok: Token, creatures: bool) -> Match | None:
        """The drawing of a prop word: only words the curated map knows (an emoji tag alone misleads);
        a thing, a ship or a rocket — a creature only when ``creatures``."""
        lemma = tok.lemma
        if lemma in NEVER_DRAWN or lemma in TIME_OF:
            return None
        curated = self.index.curated(lemma, "en")
        if curated is None or (lemma in _SETTING_OF and curated.kind not in _DRAWN_EVEN_AS_PLACE):
            return None  # the painter shows the forest; a ship is drawn as well as the sea
        m = self.index.match(tok, accept=is_cutout)
        if m is None:
            return None
        transport = self.index.info(m.asset_id).get("sub", "").startswith("transport")
        if m.kind in _PROP_KINDS or transport or (creatures and m.kind in _CHARACTER_KINDS[1:]):
            return m
        return None

    def _add(
        self, plan: ScenePlan, keys: set[str], m: Match, named: bool, row_lemma: str | None = None
    ) -> None:
        """Put a matched drawing into the plan once: scenery behind, characters and things in front.
        The cast is keyed by the character (Маша); the row keeps the scene's own word ("девочка")."""
        key = Cast.key_of(m)
        if key in keys:
            return
        row = m if row_lemma is None else replace(m, lemma=row_lemma)
        if m.kind in _SCENERY_KINDS and m.size >= 1.0:
            if len(plan.scenery) < MAX_SCENERY:
                keys.add(key)
                plan.scenery.append(Placed(row, self.cast.assign(m, self.index), "background"))
        elif len(plan.subjects) < MAX_SUBJECTS:
            keys.add(key)
            plan.subjects.append(Placed(row, self.cast.assign(m, self.index, named), "subject"))

    def _add_group(self, plan: ScenePlan) -> None:
        """ "All the animals had breakfast": show the story's own animals (most seen first)."""
        if not plan.collective:
            return
        tok = plan.collective[0]
        present = {p.member.key for p in plan.subjects}
        creatures = sorted(
            (m for m in self.cast.members.values() if m.kind in ("creature", "flyer", "swimmer")),
            key=lambda m: -m.appearances,
        )
        for member in creatures:
            if len(plan.subjects) >= MAX_SUBJECTS:
                break
            if member.key not in present:
                m = Match(tok.surface, tok.lemma, member.asset_id, "openmoji", member.kind, member.size,
                          member.key, 0.0, False)  # fmt: skip
                plan.subjects.append(Placed(m, member, "subject"))
                present.add(member.key)

    @staticmethod
    def _alias(tok: Token, names: dict[str, Token]) -> Token:
        """ "девочка" in a story about Маша is Маша: same character, same drawing."""
        gender = "femn" if tok.lemma in _GIRL_WORDS else "masc" if tok.lemma in _BOY_WORDS else ""
        name = names.get(gender) if gender else None
        if name is None:
            return tok
        return Token(tok.surface, name.lemma, name.lang, True, name.name_gender)
