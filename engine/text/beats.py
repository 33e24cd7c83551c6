"""Writing with a *base* model (Gemma 270M, ruGPT-3), beat by beat, so it stays on one plot with one hero.

Instruction models go through engine/text/chat_writer.py instead; engine/text/writer.py picks.

Plain continuation makes a 270M model drift into a new tale within a hundred tokens. So the
writer plans first and lets the model fill in small pieces:

1. the prompt becomes a premise: the hero, the topic, and the opening (the user's own sentences,
   or a genre opening built from the topic);
2. the genre gives a plot of beats (setting, problem, attempts, helper/twist, climax, ending),
   one per scene, each with a character budget so the narration lands near the target duration;
3. for each beat the model sees an example story, the title, the story so far, and the beat's cue
   — its first words, naming the hero — and finishes the paragraph (it stops at a newline);
4. every sentence goes through the judge; a rejected one is cut and the beat is re-generated
   (a new seed, another cue) until the beat has enough accepted text or the attempts run out;
5. the title, and the scenes with their image prompts and moods.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from engine.errors import StageError
from engine.progress import StageReporter
from engine.story import Story, StoryRequest
from engine.text.base import CompletionBackend as TextBackend
from engine.text.cleanup import (
    clean_generation,
    drop_unfinished_tail,
    ensure_final_punctuation,
    split_sentences,
)
from engine.text.examples import EXAMPLE, EXAMPLE_WORDS
from engine.text.genres import HEADERS, BeatSpec, beat_specs
from engine.text.judge import StoryContext, sentence_problem
from engine.text.moods import story_mood
from engine.text.morph import en_is_known, ru_inflect, ru_parse
from engine.text.premise import Hero, Premise, read_premise
from engine.text.scenes import rebalance_groups, scenes_from_groups
from engine.text.title import make_title

log = logging.getLogger(__name__)

#: Attempts per beat (each one a fresh sample with a new seed; the cue changes after a failure).
MAX_ATTEMPTS = 4
#: The opening (user's sentences) may take at most this share of the story.
OPENING_SHARE = 0.4
TEMPERATURE = 0.7
#: Cues for a beat's second and later sentences ({P}: the Russian pronoun agreeing with the hero).
CONTINUATION_CUES = {
    "ru": ("{P}", "Потом {H}", "Тогда {H}", "{H}"),
    "en": ("{H}", "Then {H}", "After that, {H}"),
}
PRONOUNS = {"masc": "Он", "femn": "Она", "neut": "Оно", "plur": "Они"}


def scene_count(duration: float) -> int:
    """6–10 scenes: about one per 10 s of narration."""
    return int(min(10, max(6, round(duration / 10.0))))


@dataclass
class Beat:
    spec: BeatSpec
    budget: int
    sentences: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason)
    attempts: int = 0


def fill_cue(cue: str, hero: Hero, lang: str) -> str:
    """The cue with the hero and Russian agreement filled in; the hero capitalised at a sentence start."""
    endings = {"masc": ("", "ся"), "femn": ("а", "ась"), "neut": ("о", "ось"), "plur": ("и", "ись")}
    a, sya = endings.get(hero.gender, ("", "ся")) if lang == "ru" else ("", "")
    name = hero.name
    out = cue.replace("{a}", a).replace("{ся}", sya)
    out = hero.cap() + out[3:] if out.startswith("{H}") else out.replace("{H}", name)
    if lang == "en" and out[:1].islower():
        out = out[:1].upper() + out[1:]
    return out


class BeatWriter:
    """One story's writing session: premise, plan, beats, judge, title, scenes."""

    def __init__(
        self, backend: TextBackend, premise: Premise, genre: str, n_scenes: int, target: int, seed: int
    ):
        self.backend = backend
        self.premise = premise
        self.lang = premise.lang
        self.hero = premise.hero
        self.genre = genre
        self.seed = seed
        self.target = target
        self.rng = random.Random(seed)
        self.ctx = StoryContext(self.lang, self.hero)
        self.ctx.forbidden = split_sentences(EXAMPLE[self.lang])
        self.ctx.prompt_nouns = {w.lower() for w in premise.words}
        prompt_words = {w.replace("ё", "е") for w in premise.words}
        self.ctx.foreign = frozenset(
            w.replace("ё", "е") for w in EXAMPLE_WORDS[self.lang] if w.replace("ё", "е") not in prompt_words
        )
        for w in premise.words:
            self.ctx.nouns.add(w)
        for s in premise.opening:
            self.ctx.add(s)
        self.working_title = make_title(premise, genre, story_text=None, backend=None, seed=seed)
        opening_len = sum(len(s) + 1 for s in premise.opening)
        specs = beat_specs(genre, n_scenes)
        share = max(60, (target - opening_len) // max(1, len(specs)))
        self.beats = [Beat(spec, share) for spec in specs]
        self.log: list[str] = []

    # ------------------------------------------------------------------ prompting

    def header(self) -> str:
        if self.lang == "ru":
            return f"{HEADERS['ru'][self.genre]} «{self.working_title}»"
        return f'{HEADERS["en"][self.genre]}: "{self.working_title}"'

    def paragraphs(self) -> list[str]:
        """The story so far, one paragraph per beat (the opening shares the first beat's paragraph)."""
        paras = [" ".join(self.premise.opening)]
        for i, beat in enumerate(self.beats):
            if not beat.sentences:
                continue
            if i == 0:
                paras[0] = paras[0] + " " + " ".join(beat.sentences)
            else:
                paras.append(" ".join(beat.sentences))
        return paras

    def context(self, beat_index: int) -> str:
        paras = self.paragraphs()
        head = EXAMPLE[self.lang] + self.header() + "\n\n"
        if beat_index == 0:  # the setting continues the opening paragraph
            return head + "\n\n".join(paras) + " "
        return head + "\n\n".join(paras) + "\n\n"

    # ------------------------------------------------------------------ writing

    def write_beat(self, index: int, remaining_budget: int, beats_left: int) -> Beat:
        beat = self.beats[index]
        beat.budget = max(60, remaining_budget // max(1, beats_left))
        cues = list(beat.spec.cues_ru if self.lang == "ru" else beat.spec.cues_en)
        self.rng.shuffle(cues)
        cue_i = 0
        failed_continuations = 0
        while beat.attempts < MAX_ATTEMPTS and sum(len(s) + 1 for s in beat.sentences) < beat.budget * 0.6:
            if beat.sentences:  # go on within the beat: another sentence about the hero
                prefix = fill_cue(self.rng.choice(CONTINUATION_CUES[self.lang]), self.hero, self.lang)
                prefix = prefix.replace("{P}", PRONOUNS.get(self.hero.gender, "Он"))
            else:
                prefix = fill_cue(cues[cue_i % len(cues)], self.hero, self.lang)
            so_far = " ".join(beat.sentences)
            prompt = self.context(index) + (so_far + " " if so_far else "") + prefix
            need = beat.budget - len(so_far)
            max_tokens = max(24, int(need / 2.6) + 12)
            raw = self.backend.generate(
                prompt,
                max_tokens=max_tokens,
                seed=self.seed * 7919 + index * 101 + beat.attempts,
                temperature=TEMPERATURE + 0.1 * beat.attempts,
                stop=("\n",),
            )
            beat.attempts += 1
            if prefix and ignores_cue(raw, self.ctx):
                beat.rejected.append((raw.strip(), "ignores the cue"))
                self.log.append(f"beat {index} {beat.spec.kind}: rejected (ignores the cue): {raw.strip()}")
                cue_i += 1
                continue
            glue = "" if not prefix or prefix.endswith(" ") or raw.startswith((" ", ",", ".")) else " "
            text = drop_unfinished_tail(clean_generation(prefix + glue + raw if prefix else raw))
            accepted_any = False
            for sentence in split_sentences(text):
                sentence = ensure_final_punctuation(sentence) if sentence[-1:] in ",;:" else sentence
                reason = sentence_problem(
                    sentence,
                    self.ctx,
                    first_in_beat=not beat.sentences,
                    allow_new_names=beat.spec.kind in ("helper", "twist"),
                )
                if reason:
                    beat.rejected.append((sentence, reason))
                    self.log.append(f"beat {index} {beat.spec.kind}: rejected ({reason}): {sentence}")
                    break
                beat.sentences.append(sentence)
                self.ctx.add(sentence)
                accepted_any = True
                if sum(len(s) + 1 for s in beat.sentences) >= beat.budget:
                    break
            if not accepted_any and not beat.sentences:
                cue_i += 1
            elif not accepted_any:
                failed_continuations += 1
                if failed_continuations >= 2:
                    break  # the beat's continuation went wrong twice; keep what the beat has
        return beat

    def write(self, report: StageReporter) -> None:
        written = sum(len(s) + 1 for s in self.premise.opening)
        for i in range(len(self.beats)):
            report(
                0.05 + 0.85 * i / len(self.beats), f"{self.beats[i].spec.kind} ({i + 1}/{len(self.beats)})"
            )
            beat = self.write_beat(i, self.target - written, len(self.beats) - i)
            written += sum(len(s) + 1 for s in beat.sentences)

    # ------------------------------------------------------------------ results

    def groups(self) -> tuple[list[list[str]], list[str]]:
        """Sentences per scene and each scene's default mood (from its beat)."""
        groups = [list(self.premise.opening) + self.beats[0].sentences]
        moods = [self.beats[0].spec.mood]
        for beat in self.beats[1:]:
            if beat.sentences:
                groups.append(list(beat.sentences))
                moods.append(beat.spec.mood)
        return groups, moods


def ignores_cue(raw: str, ctx: StoryContext) -> bool:
    """True when the model did not continue the cue's sentence but began a new one (a capital letter
    that is not a name): the cue would be left hanging ("…дракон любил Жил-был…")."""
    first = raw.lstrip()
    if first[:1] in ",.!?;)»":  # "…любил, чем в темноте": the cue's sentence is left without its object
        return True
    if not first[:1].isupper():
        return False
    word = first.split(maxsplit=1)[0].strip(",.;:!?»\"'")
    if word.lower() in ctx.known_names or word.lower() == ctx.hero.lemma or word == "I":
        return False
    if ctx.lang == "ru":
        grams = set(ru_parse(word).tag.grammemes)
        return not grams & {"Name", "Surn", "Patr", "Geox", "Orgn"}
    return en_is_known(word)


def write_with_beats(
    request: StoryRequest,
    report: StageReporter,
    backend: TextBackend,
    *,
    prompt: str,
    lang: str,
    genre: str,
    target: int,
    n_scenes: int,
    notes: list[str],
) -> Story:
    """The story for a request from a base model: title, text, scenes with image prompts and moods."""
    premise = read_premise(prompt, lang, genre, int(target * OPENING_SHARE))
    if premise.dropped:
        notes.append(f"the prompt's last {premise.dropped} sentence(s) did not fit the story's length")
    report(0.03, f"writing with {backend.name}")

    writer = BeatWriter(backend, premise, genre, n_scenes, target, request.seed)
    writer.write(report)
    for line in writer.log:
        log.debug(line)
    empty = [b.spec.kind for b in writer.beats if not b.sentences]
    if len(empty) > len(writer.beats) // 2:
        raise StageError(
            "text",
            f"the text model ({backend.name}) produced no usable sentences for {len(empty)} of "
            f"{len(writer.beats)} plot beats",
            "try another prompt or seed",
        )
    if empty:
        notes.append("no usable text for the beat(s) " + ", ".join(empty) + " after retries; skipped")

    groups, moods = writer.groups()
    if len(groups) != n_scenes:
        groups, moods = rebalance_groups(groups, moods, n_scenes)
    text = "\n\n".join(" ".join(g) for g in groups)
    if len(text) < 0.6 * target:
        notes.append(f"the story is shorter than the target ({len(text)} of ~{target} characters)")

    report(0.92, "title and scenes")
    title = make_title(premise, genre, story_text=text, backend=backend, seed=request.seed)
    hero_lemmas = frozenset({premise.hero.lemma.lower(), *premise.hero.aliases})
    scenes = scenes_from_groups(groups, lang, hero_lemmas, moods)
    rejected = sum(len(b.rejected) for b in writer.beats)
    attempts = sum(b.attempts for b in writer.beats)
    log.info(
        "story written: %d beats, %d generations, %d sentences rejected",
        len(writer.beats),
        attempts,
        rejected,
    )
    story = Story(
        prompt=prompt,
        lang=lang,
        genre=genre,
        title=title,
        text=text,
        mood=story_mood([s.mood for s in scenes]),
        seed=request.seed,
        aspect=request.aspect,
        scenes=scenes,
        backends={"text": backend.name},
        notes=notes,
    )
    report(1.0, "story written")
    return story


def hero_in_case(hero: Hero, case: str) -> str:
    """The hero's name in a Russian case (for titles like «Сказка о драконе»)."""
    return " ".join(ru_inflect(w, {case}) for w in hero.name.split())
