"""The text block's entry: ``StoryWriter(spec).write(request, report, chars_per_second=…) -> Story``.

It reads the prompt (validation and content rules, language, genre, hero and opening), sizes the
story from the requested duration and the narrator's reading rate (the pipeline asks the narrator
and passes ``chars_per_second``; this block never imports engine.speech), picks a backend, and
hands the writing to the path that suits the model:

- instruction models (the embedded Qwen, any chat GGUF, any HF instruct model) →
  engine/text/chat_writer.py: JSON plan, scene by scene, filtered sentences;
- base models (Gemma 270M, ruGPT-3) → engine/text/beats.py: cue-driven continuation and a judge.

Either way the result is a Story whose scenes carry text, image prompts (the POS filter), moods,
and — from the plan — the cast, places, times of day, actions and picture tags.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from typing import Any

from engine.errors import BackendUnavailable, StageError
from engine.lang import detect_language, is_native
from engine.progress import StageReporter
from engine.story import CastMember, Scene, Story, StoryRequest
from engine.text.base import Message
from engine.text.cleanup import split_sentences
from engine.text.filters import invented_words, other_script_tokens
from engine.text.genres import choose_genre
from engine.text.moderation import text_problem
from engine.text.moods import story_mood
from engine.text.morph import tokens
from engine.text.plan import CastPlan, Plan
from engine.text.prompt import validate_prompt

log = logging.getLogger(__name__)

#: Reading rate (characters per second, spaces and pauses included) when the caller passes none:
#: RHVoice reads Russian at about 13, Piper/RHVoice English at about 14.
CHARS_PER_SECOND: dict[str, float] = {"ru": 13.0, "en": 14.0}
DEFAULT_DURATION = 75.0
#: The opening (the user's sentences) may take at most this share of the story.
OPENING_SHARE = 0.4
#: A scene's default mood by plot beat (the scene's own words can override it).
BEAT_MOODS = {
    "setting": "calm",
    "problem": "tense",
    "attempt": "tense",
    "helper": "mysterious",
    "twist": "mysterious",
    "journey": "calm",
    "obstacle": "tense",
    "clue": "mysterious",
    "setback": "sad",
    "friend": "happy",
    "turning_point": "triumphant",
    "ending": "happy",
}
GENRE_MOODS: dict[str, dict[str, str]] = {
    "horror": {
        "problem": "scary",
        "attempt": "scary",
        "twist": "scary",
        "obstacle": "scary",
        "setback": "scary",
        "ending": "mysterious",
    },
    "bedtime": {
        "problem": "calm",
        "attempt": "calm",
        "obstacle": "calm",
        "setback": "calm",
        "turning_point": "calm",
        "ending": "calm",
    },
    "comedy": {"attempt": "happy"},
    "fable": {"ending": "calm"},
}
#: One story-wide style line for illustrators, by genre.
STYLES = {
    "fairy_tale": "a warm storybook illustration, soft watercolour, gentle light",
    "fable": "a classic fable illustration, friendly animals, soft pencil and watercolour",
    "adventure": "a bright adventure-book illustration, wide landscapes, vivid colours",
    "horror": "a spooky but child-friendly storybook illustration, moonlight and shadows, nothing gory",
    "comedy": "a playful cartoon illustration, bright colours, funny expressions",
    "scifi": "a friendly science-fiction picture-book illustration, glowing gadgets, stars",
    "detective": "a cosy mystery picture-book illustration, lamplight, magnifying glass",
    "bedtime": "a calm bedtime picture-book illustration, soft pastel night colours, stars",
}


def target_chars(duration: float, lang: str, chars_per_second: float | None = None) -> int:
    """Characters that fill ``duration`` seconds when read at ``chars_per_second`` (the narrator's rate).

    Voices differ by up to 50 % (RHVoice anna 17.4 chars/s, aleksandr-hq 12.7), so the pipeline
    passes the chosen narrator's measured rate; CHARS_PER_SECOND is only the fallback.
    """
    rate = chars_per_second if chars_per_second and chars_per_second > 0 else CHARS_PER_SECOND.get(lang, 13.0)
    return int(max(10.0, duration) * rate)


def scene_count(duration: float) -> int:
    """Scenes follow the length: about one picture per 12 s of narration, 4 to 14 of them."""
    return int(min(14, max(4, round(duration / 12.0))))


def resolve_language(request: StoryRequest, prompt: str, notes: list[str]) -> str:
    detected = detect_language(prompt)
    lang = request.lang if request.lang in ("ru", "en") else detected
    if lang != detected:
        notes.append(
            f"the prompt is written in {'Russian' if detected == 'ru' else 'English'}; "
            f"the story follows the prompt's language instead of lang={request.lang}"
        )
        lang = detected
    if not is_native(prompt, lang):
        notes.append(
            f"the prompt looks like another language; the story is written in "
            f"{'Russian' if lang == 'ru' else 'English'}, the closest one supported"
        )
    return lang


def select_backend(spec: str, notes: list[str]) -> Any:
    """The requested backend, or the best available one (with a note) when it cannot run."""
    from engine.text.backends import get_backend

    hint = "run `python -m engine assets` (assembles the Qwen and Gemma models)"
    try:
        return get_backend(spec)
    except BackendUnavailable as exc:
        if spec in ("auto", ""):
            raise StageError("text", f"no story text model is available: {exc.reason}", hint) from exc
        notes.append(f"text backend {spec!r} unavailable ({exc.reason}); used the default instead")
        try:
            return get_backend("auto")
        except BackendUnavailable as exc2:
            raise StageError("text", f"no story text model is available: {exc2.reason}", hint) from exc2


def scene_mood_default(beat: str, genre: str) -> str:
    return GENRE_MOODS.get(genre, {}).get(beat, BEAT_MOODS.get(beat, "calm"))


def good_title(title: str, lang: str) -> bool:
    """A model's title is used when it is short, in the story's script, real words and clean."""
    return bool(
        title
        and len(title) <= 60
        and not other_script_tokens(title, lang)
        and not invented_words(title, lang)
        and text_problem(title) is None
    )


class StoryWriter:
    """The text block: ``StoryWriter("auto").write(request, report, chars_per_second=13.0)``.

    ``spec`` is request.text_backend's vocabulary (auto, qwen, gguf:PATH, gemma, hf:ID, rugpt3…);
    a backend object can be passed instead (tests pass fakes). The model loads on first use.
    """

    def __init__(self, spec: str = "auto", backend: Any = None) -> None:
        self.spec = spec or "auto"
        self._backend = backend
        #: the model that writes (known once the backend is chosen; the spec until then)
        self.name: str = str(backend.name) if backend is not None else f"text:{self.spec}"

    def warm(self) -> None:
        """Load the model now and run one token through it, so a worker's first story does not pay
        for the load (``python -m engine worker --warm text``); the registry keeps it loaded. One
        token per story language also builds the backend's other-script token lists (~1.5 s each)."""
        if self._backend is None:
            self._backend = select_backend(self.spec, [])
            self.name = str(self._backend.name)
        for lang in ("ru", "en"):
            self._backend.chat([Message(role="user", content="Hello")], max_tokens=1, seed=0, script=lang)

    def write(
        self, request: StoryRequest, report: StageReporter, *, chars_per_second: float | None = None
    ) -> Story:
        """The story for a request: title, text, cast, scenes with picture fields; notes on fallbacks."""
        notes: list[str] = []
        prompt = validate_prompt(request.prompt)  # also refuses what the content rules forbid
        report(0.0, "reading the prompt")
        lang = resolve_language(request, prompt, notes)
        genre = choose_genre(request.genre, [t.lemma.lower() for t in tokens(prompt, lang)])
        duration = request.duration if request.duration and request.duration > 0 else DEFAULT_DURATION
        target = target_chars(duration, lang, chars_per_second)
        n_scenes = int(request.scenes) if request.scenes and request.scenes > 0 else scene_count(duration)
        n_scenes = max(1, min(n_scenes, 20))
        spec = request.text_backend if request.text_backend not in ("", "auto") else self.spec
        backend = self._backend or select_backend(spec, notes)
        self._backend = backend
        self.name = str(backend.name)
        started = time.monotonic()
        if getattr(backend, "instruct", False):
            story = self._write_chat(backend, request, report, prompt, lang, genre, target, n_scenes, notes)
        else:
            from engine.text.beats import write_with_beats

            story = write_with_beats(
                request,
                report,
                backend,
                prompt=prompt,
                lang=lang,
                genre=genre,
                target=target,
                n_scenes=n_scenes,
                notes=notes,
            )
            drop_banned_sentences(story, keep=set(split_sentences(prompt)))
            add_hero_cast(story, prompt, lang, genre)
        story.backends["text"] = backend.name
        story.style_en = story.style_en or STYLES.get(genre, STYLES["fairy_tale"])
        log.info(
            "text: %d chars for a target of %d (%.0f s at %.1f chars/s) in %.1f s with %s",
            len(story.text),
            target,
            duration,
            target / max(1.0, duration),
            time.monotonic() - started,
            backend.name,
        )
        report(1.0, "story written")
        return story

    def _write_chat(
        self,
        backend: Any,
        request: StoryRequest,
        report: StageReporter,
        prompt: str,
        lang: str,
        genre: str,
        target: int,
        n_scenes: int,
        notes: list[str],
    ) -> Story:
        from engine.text.chat_writer import ChatStoryWriter
        from engine.text.premise import read_premise
        from engine.text.title import make_title

        premise = read_premise(prompt, lang, genre, int(target * OPENING_SHARE))
        if premise.dropped:
            notes.append(f"the prompt's last {premise.dropped} sentence(s) did not fit the story's length")
        hero = CastPlan("hero", premise.hero.phrase or premise.hero.name)
        from engine.text.chat_writer import TIME_SHARE

        def attempt(plain: bool, seed: int) -> ChatStoryWriter:
            writer = ChatStoryWriter(
                backend,
                prompt=prompt,
                lang=lang,
                genre=genre,
                opening=list(premise.opening),
                hero=hero,
                n_scenes=n_scenes,
                target_chars=target,
                seed=seed,
                hero_lemma=premise.hero.lemma,
                plain_plan=plain,
            )
            writer.write(report, seconds=TIME_SHARE * request.duration if request.duration else None)
            return writer

        report(0.02, f"writing with {backend.name}")
        writer = attempt(False, request.seed)
        if writer.total_chars() < 0.4 * target:
            # the model's plan led nowhere (every scene rejected): once more on the plain plot
            notes.append("the first draft came out almost empty; the story was rewritten on a plain plot")
            writer = attempt(True, request.seed + 1)
        if writer.total_chars() < 0.25 * target:
            raise StageError(
                "text",
                f"the text model ({backend.name}) produced almost no usable sentences",
                "try another prompt or seed",
            )
        plan = writer.plan
        if not plan.from_model:
            notes.append("the model's story plan was unusable; the story follows a plain plot instead")
        scenes = build_scenes(writer.groups(), plan, lang, genre, premise.hero.lemma)
        text = "\n\n".join(s.text for s in scenes)
        if len(text) < 0.85 * target:
            notes.append(f"the story is shorter than the target ({len(text)} of ~{target} characters)")
        title = plan.title if good_title(plan.title, lang) else ""
        title = title or make_title(premise, genre, story_text=None, backend=None, seed=request.seed)
        rejected = sum(len(s.rejected) for s in writer.scenes)
        for scene_text in writer.scenes:
            for sentence, reason in scene_text.rejected:
                log.debug("rejected (%s): %s", reason, sentence)
        log.info(
            "chat writer: %d scenes, %d generations, %d sentences rejected, plan %.1f s, scenes %.1f s",
            len(scenes),
            writer.generations,
            rejected,
            writer.seconds["plan"],
            writer.seconds["scenes"],
        )
        return Story(
            prompt=prompt,
            lang=lang,
            genre=genre,
            title=title,
            text=text,
            mood=story_mood([s.mood for s in scenes]),
            seed=request.seed,
            aspect=request.aspect,
            scenes=scenes,
            cast=cast_members(plan),
            style_en=STYLES.get(genre, STYLES["fairy_tale"]),
            notes=notes,
        )


def cast_members(plan: Plan) -> list[CastMember]:
    return [CastMember(c.key, c.name, c.look_en, c.kind_en, hero=i == 0) for i, c in enumerate(plan.cast)]


def build_scenes(
    groups: list[tuple[list[str], Any]], plan: Plan, lang: str, genre: str, hero: str
) -> list[Scene]:
    """Scenes with text, POS-filter prompts and moods, and the plan's picture fields."""
    from engine.text.scenes import scene_from_text

    hero_lemmas = frozenset({hero.lower()})
    scenes: list[Scene] = []
    for i, (sentences, scene_plan) in enumerate(groups):
        scene = scene_from_text(
            i, " ".join(sentences), lang, hero_lemmas, scene_mood_default(scene_plan.beat, genre)
        )
        scene.characters = list(scene_plan.characters)
        scene.place_en = scene_plan.place_en
        scene.time_of_day = scene_plan.time_of_day
        scene.action_en = scene_plan.action_en
        scene.tags_en = list(scene_plan.tags_en) or list(scene.keywords_en[:5])
        scenes.append(scene)
    return scenes


def add_hero_cast(story: Story, prompt: str, lang: str, genre: str) -> None:
    """Base models make no plan: the cast is the prompt's hero, present in every scene."""
    from engine.text.premise import read_premise

    if story.cast:
        return
    hero = read_premise(prompt, lang, genre, 10_000).hero
    kind = hero.lemma if lang == "en" and not hero.proper else ""
    story.cast = [CastMember("hero", hero.phrase or hero.name, kind_en=kind, hero=True)]
    for scene in story.scenes:
        scene.characters = scene.characters or ["hero"]
        scene.tags_en = scene.tags_en or list(scene.keywords_en[:5])


def drop_banned_sentences(story: Story, keep: Collection[str] = ()) -> None:
    """Remove any sentence the content rules forbid (base models have no per-sentence filter of this);
    the user's own sentences (``keep``) stay: the prompt passed its check, and the harm rules are
    for generated text only."""
    changed = False
    for scene in story.scenes:
        kept = [s for s in split_sentences(scene.text) if s in keep or text_problem(s) is None]
        if " ".join(kept) != scene.text:
            scene.text = " ".join(kept)
            changed = True
    if changed:
        story.scenes = [s for s in story.scenes if s.text]
        story.text = "\n\n".join(s.text for s in story.scenes)
        story.notes.append("sentences the content rules forbid were removed")


def write_story(
    request: StoryRequest,
    report: StageReporter,
    backend: Any = None,
    chars_per_second: float | None = None,
) -> Story:
    """Function form of ``StoryWriter(request.text_backend, backend).write(...)``."""
    return StoryWriter(request.text_backend, backend).write(
        request, report, chars_per_second=chars_per_second
    )
