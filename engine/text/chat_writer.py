"""Writing a story with an instruction model: plan in JSON, then scene by scene, every sentence checked.

Designed around what a small (1.5B) instruct model does well and badly:

1. **Plan first** (engine/text/plan.py): one JSON answer, constrained by a schema where the backend
   can (llama.cpp), commits the model to a cast with their looks, a want, a problem, an ending, and
   each scene's place, time and action (who is there and what to draw are read from the action).
   The plan is in simple English (the model reasons best there); a Russian story's title and
   names come at its end, in Russian (asked earlier, they turned every later field Russian).
2. **Scene by scene, one conversation**: the user's own sentences open the story; each scene is
   one user turn ("scene 3 of 8, attempt: …, about 2 sentences") and one assistant turn. Because
   each prompt extends the previous conversation, llama.cpp re-evaluates only the new turn
   (prompt caching), and the model always sees the whole story so far.
3. **Filters on every sentence** (engine/text/filters.py): other scripts, banned content,
   repeats, words no dictionary knows. A scene with a problem is sampled again (a new seed) and
   the best candidate is kept — the cleanest, then the one closest to its length — and its bad
   sentences are dropped rather than shipped.
4. **Length control**: each scene's budget is what is left of the target divided by the scenes
   left, so a short scene makes the next ones longer; a scene that comes out short is asked to go
   on once; a story that ends up long loses middle sentences until it fits.

Sampling at temperature ~0.65 with a repeat penalty of 1.1: at ≤0.3 the model loops.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from engine.text.base import ChatBackend, Message
from engine.text.cleanup import clean_generation, drop_unfinished_tail, split_sentences
from engine.text.filters import SentenceCheck, invented_words, other_script_tokens
from engine.text.genres import TONES
from engine.text.plan import (
    LOCAL_KEYS,
    CastPlan,
    Plan,
    ScenePlan,
    beat_sequence,
    english_words,
    fallback_plan,
    parse_plan,
    plan_schema,
)

log = logging.getLogger(__name__)

TEMPERATURE = 0.65
#: Added to the temperature by the last scene (linearly from the first).
LATE_HEAT = 0.1
MAX_CANDIDATES = 3
#: Share of the story's own duration the writing may take before it stops sampling extra candidates
#: and extensions (the whole job must finish before the video would have played; the first
#: candidate of every scene is always written).
TIME_SHARE = 0.45
#: A scene shorter than 60 % of its budget is asked to go on at most this many times.
MAX_EXTENSIONS = 2
#: Typical sentence length in characters (spaces included), to turn a budget into "about N sentences".
#: (Qwen 1.5B writes short ones: measured ~45 in Russian, ~55 in English; asking for fewer, longer
#: sentences left stories at a third of their length.)
SENTENCE_CHARS = {"ru": 50, "en": 60}
#: Characters per token of Qwen2.5's tokenizer (measured on its own stories): sizes max_tokens.
CHARS_PER_TOKEN = {"ru": 2.6, "en": 4.0}
#: The most a scene request over-asks for (× its budget) to make up for rejected sentences.
MAX_ASK = 1.6
#: A story longer than this share of the target loses middle sentences until it fits.
MAX_OVER = 1.10
LANGUAGE_NAMES = {"ru": "Russian", "en": "English"}
BEAT_GOALS = {
    "setting": "show the hero's everyday life and what they want or fear",
    "problem": "the problem appears",
    "attempt": "the hero tries to solve the problem, but it does not work yet",
    "helper": "someone helps or gives good advice",
    "twist": "something unexpected happens",
    "journey": "the hero goes somewhere new and sees something new there",
    "obstacle": "a new obstacle blocks the way",
    "clue": "the hero finds a clue or learns something important",
    "setback": "things get worse for a moment, but the hero does not give up",
    "friend": "the hero meets someone new who joins in",
    "turning_point": "the hero faces the problem bravely or cleverly and solves it",
    "ending": "a warm ending that answers the beginning",
}
#: The same goals in Russian, for a scene whose action the plan left empty (or repeated): an English
#: goal in a Russian request came back translated word for word as the scene's first sentence.
BEAT_GOALS_RU = {
    "setting": "покажи, как живёт герой и чего он хочет или боится",
    "problem": "у героя появляется трудность",
    "attempt": "герой пробует справиться по-новому, но пока не выходит",
    "helper": "кто-то помогает герою или даёт добрый совет",
    "twist": "случается неожиданное, и это меняет дело",
    "journey": "герой приходит в новое место и видит там новое",
    "obstacle": "на пути встаёт новая преграда",
    "clue": "герой находит подсказку или узнаёт что-то важное",
    "setback": "на миг становится хуже, но герой не сдаётся",
    "friend": "герой встречает нового друга",
    "turning_point": "герой смело или хитро справляется с трудностью",
    "ending": "тёплый конец, который отвечает на начало",
}
#: A sentence this close (word sets) to the scene's own instruction is the instruction echoed.
ECHO_SIMILARITY = 0.5
#: The model sometimes goes on to write the next instruction itself ("Scene 3 of 6. What happens: …"):
#: generation stops there.
ECHO_STOPS = ("Scene ", "Сцена ", "What happens", "Что происходит", "\n\n\n")
#: Sentences that talk about the story instead of telling it, or the coding assistant speaking
#: («Помогите мне настроить свой компьютер. Я не могу помочь с этим.» came out of a Russian scene).
_META = re.compile(
    r"\b(?:scene|сцен[аеуы]|what happens|что происходит|write \d|напиши|the story ends|the end\b|конец сказки|"
    r"sentences?\b|предложени|герои:|who:|компьютер|программ|помочь с этим|help (?:you )?with (?:that|this)|as an ai|"
    r"i'?m sorry|извините, но я|i can'?t|code\b|код\b|по-русски|простыми правильными|only in (?:russian|english)|"
    r"write only|без повторов|only what is new|уже написано|already written)",
    re.I,
)
_SPEAKER = re.compile(r'(^|(?<=[.!?"”]\s)|\n)([A-Z][a-z]+):\s*(["“])')
#: The same in Russian («Дракон: "Вот и я!"»); «говорит» agrees with any name's gender.
_SPEAKER_RU = re.compile(r'(^|(?<=[.!?"»”]\s)|\n)([А-ЯЁ][а-яё]+(?: [А-ЯЁ][а-яё]+)?):\s*["«“]([^"»”\n]+)["»”]')
_HEADING = re.compile(
    r"^\s*(?:\*\*)?(?:scene|сцена|глава|chapter|часть|part|title|название)\s*\d*\s*(?:of|из)?\s*\d*\s*[:.\-—–]?"
    r"[^\n.!?]{0,60}\n",
    re.I,
)
_LEAD_IN = re.compile(
    r"^\s*(?:scene|сцена)\s*\d+\s*(?:of|из)?\s*\d*\s*[:.\-—–]\s*|^\s*(?:конечно|sure|here is|вот)[^\n]{0,80}:\s*",
    re.I,
)


@dataclass
class SceneText:
    """The sentences written for one planned scene, and how they were chosen."""

    plan: ScenePlan
    sentences: list[str] = field(default_factory=list)
    candidates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason)

    @property
    def chars(self) -> int:
        return sum(len(s) + 1 for s in self.sentences)


def system_prompt(lang: str, genre: str) -> str:
    """Who the model is and the language rules it must keep (the filters enforce them anyway)."""
    tone = TONES.get(genre, TONES["fairy_tale"])
    language = LANGUAGE_NAMES[lang]
    rules = (
        "Write only in Russian, in simple, correct, everyday Russian words that a child knows. "
        "Never use English words, Latin letters or any other alphabet. "
        "Пиши только по-русски, простыми правильными словами."
        if lang == "ru"
        else "Write only in simple, correct English that a child understands."
    )
    return (
        f"You are a children's author. You write {tone}. "
        f"{rules} Tell it as a narrator: short clear sentences, concrete actions, sounds and colours, "
        "at most one line of dialogue per scene; no lists, no headings, no explanations. "
        f"Nothing cruel, bloody or sexual. The story is in {language}."
    )


#: What a character is, in Russian, for when the model's Russian name fails the checks (an English
#: name in a Russian scene request makes the model write it in Latin letters, and every sentence
#: with it is rejected).
RU_KINDS = {
    "girl": "девочка",
    "boy": "мальчик",
    "man": "старик",
    "woman": "бабушка",
    "child": "малыш",
    "dog": "пёс",
    "cat": "кошка",
    "kitten": "котёнок",
    "owl": "сова",
    "fox": "лиса",
    "bird": "птица",
    "crow": "ворона",
    "rabbit": "заяц",
    "hare": "заяц",
    "bear": "медведь",
    "mouse": "мышка",
    "wolf": "волк",
    "ghost": "привидение",
    "robot": "робот",
    "dragon": "дракон",
    "turtle": "черепаха",
    "tortoise": "черепаха",
    "hedgehog": "ёжик",
    "squirrel": "белка",
    "frog": "лягушка",
}


#: The plan's own system prompt (a story-writing one, "only in Russian", made the model write the
#: whole plan in Russian, and a plan in Russian loses its English picture fields).
PLAN_SYSTEM = (
    "You are a children's author planning a story before writing it. You answer with one JSON object, "
    "in simple English. Nothing cruel, bloody or sexual."
)


def _ru_sentences(n: int) -> str:
    """«предложение» agreeing with a number (1 предложение, 2 предложения, 5 предложений)."""
    if n % 10 == 1 and n % 100 != 11:
        return "предложение"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "предложения"
    return "предложений"


def _animate(lemma: str) -> bool:
    """True for a Russian word naming a living being (дракон, девочка), not a thing (дом, лестница)."""
    from engine.text.morph import ru_parse

    return any(ru_parse(w).tag.animacy == "anim" for w in lemma.split()) if lemma else False


def _lemmas(text: str) -> set[str]:
    """Lemmas of a name («ёжика Тима» → {"ёжик", "тим"}), ё folded, for "is this the same character"."""
    from engine.text.morph import tokens

    lang = "ru" if any("\u0400" <= ch <= "\u04ff" for ch in text) else "en"
    return {t.lemma.lower().replace("ё", "е") for t in tokens(text, lang)}


def cast_lines(plan: Plan) -> str:
    return "\n".join(
        f"- {c.name} ({c.kind_en or 'character'}{': ' + c.look_en if c.look_en else ''})" for c in plan.cast
    )


class ChatStoryWriter:
    """One story written by an instruction model; see the module docstring for the design."""

    def __init__(
        self,
        backend: ChatBackend,
        *,
        prompt: str,
        lang: str,
        genre: str,
        opening: list[str],
        hero: CastPlan,
        n_scenes: int,
        target_chars: int,
        seed: int,
        hero_lemma: str = "",
        plain_plan: bool = False,
    ) -> None:
        self.backend = backend
        self.prompt = prompt
        self.lang = lang
        self.genre = genre
        self.opening = opening
        self.hero = hero
        self.n_scenes = max(1, n_scenes)
        self.target = target_chars
        self.seed = seed
        self.plain_plan = plain_plan  # skip the model's plan: the hero alone and the neutral beats
        self.hero_lemma = (hero_lemma or hero.name.split()[-1]).lower().replace("ё", "е")
        self.plan: Plan = fallback_plan(self.n_scenes, hero)
        self.scenes: list[SceneText] = []
        self.messages: list[Message] = []
        self.check = SentenceCheck(lang)
        self.generations = 0
        #: characters of sentences kept and rejected so far (the ask grows with the rejection rate)
        self.kept_chars = 0
        self.rejected_chars = 0
        #: English name in the plan → the name the Russian story uses («Zuko» → «Зуко»)
        self.local_names: dict[str, str] = {}
        self.seconds: dict[str, float] = {"plan": 0.0, "scenes": 0.0}
        #: monotonic time after which no extra candidates or extensions are sampled (None: no limit)
        self.deadline: float | None = None

    # ------------------------------------------------------------------ planning

    def plan_request(self) -> list[Message]:
        language = LANGUAGE_NAMES[self.lang]
        tone = TONES.get(self.genre, TONES["fairy_tale"])
        opening = " ".join(self.opening)
        beats = beat_sequence(self.n_scenes)
        scenes = "\n".join(f"{i + 1}_{b}: {BEAT_GOALS[b]}" for i, b in enumerate(beats))
        local = LOCAL_KEYS.get(self.lang)
        names = (
            f" Only title_{local} and names_{local} (the cast's names, in cast order) are in {language}, "
            f"as a {language} child would say them."
            if local
            else ""
        )
        opens = f"The story opens with: {opening}\n" if opening.strip() != self.prompt.strip() else ""
        text = (
            f"Plan {tone}, for young children, in exactly {self.n_scenes} scenes.\n"
            f"The idea: {self.prompt}\n{opens}"
            "Keep everything the idea promises: its hero, other characters, places, objects, the wish or fear.\n"
            f'The scenes (keys of "scenes"), in this order:\n{scenes}\n'
            "Write every field in simple English (names too; the story itself will be told in "
            f"{language} later).{names} The hero is the first cast member, then everyone else who appears "
            "(helpers, friends). key: one lowercase English word. kind_en: what the character is (e.g. dragon, "
            "girl, owl). look_en: one line on what they look like and wear. For each scene: place_en, "
            "time_of_day, action_en (what happens, one clause that names who is there and the things that "
            "matter). The hero is in every scene and does something in it, named by their name. Every "
            "scene must move the story forward: no scene repeats another.\n"
            'Example of one cast member: {"key": "hedgehog", "name": "Tim", "kind_en": "hedgehog", '
            '"look_en": "a small brown hedgehog with a green scarf"}'
        )
        return [Message(role="system", content=PLAN_SYSTEM), Message(role="user", content=text)]

    def make_plan(self) -> Plan:
        started = time.monotonic()
        max_tokens = 260 + 65 * self.n_scenes  # ~57 tokens a scene under the grammar, cast and names
        try:
            answer = self.backend.chat(
                self.plan_request(),
                max_tokens=max_tokens,
                seed=self.seed,
                temperature=0.5,
                schema=plan_schema(self.n_scenes, self.lang),
            )
        except ValueError as exc:  # a grammar the backend could not build, a context overflow
            log.warning("plan request failed: %s", exc)
            answer = ""
        self.generations += 1
        log.debug("plan answer: %s", answer)
        self.plan = parse_plan(answer, self.n_scenes, self.hero)
        self._merge_hero()
        self._english_fields_only()
        self._drop_repeated_actions()
        self._name_the_hero()
        self.localise()
        self.check.names = {c.name for c in self.plan.cast} | {self.hero.name} | self._plan_names()
        self.seconds["plan"] += time.monotonic() - started
        return self.plan

    def _merge_hero(self) -> None:
        """The prompt's hero stays the hero: a model that renamed them into another creature
        (a dragon into a snake) is overruled by the prompt's own words."""
        if not self.plan.from_model:
            return
        hero = self.plan.cast[0]
        wanted = self.hero_lemma.lower().replace("ё", "е")
        said = {w.lower().replace("ё", "е") for w in re.findall(r"\w+", f"{hero.name} {hero.kind_en}")}
        if self.lang == "en" and wanted and wanted not in said and not hero.name[:1].isupper():
            hero.name = self.hero.name

    def _action_names(self) -> list[str]:
        """Names the plan's actions use (capitalised words), in order of first use."""
        names: list[str] = []
        for scene in self.plan.scenes:
            for m in re.finditer(r"\b([A-Z][a-z]{2,})\b", scene.action_en):
                word = m.group(1)
                first_word = scene.action_en.strip().startswith(word)
                common = first_word and word.lower() in (
                    "the",
                    "they",
                    "she",
                    "he",
                    "everyone",
                    "all",
                    "when",
                )
                if not common and word not in names:
                    names.append(word)
        return names[:6]

    def _name_the_hero(self) -> None:
        """Actions that never name the hero but keep naming someone outside the cast name the hero
        twice: a plan with the dragon as its hero had "Zoe sleeps…", "Zoe tries to light up the
        room…" in every scene, and the Russian story turned the dragon into "она". That name
        becomes the hero's own in every action."""
        hero = self.plan.cast[0]
        actions = [s.action_en for s in self.plan.scenes if s.action_en]
        # "named" as characters_in reads it (name, key or kind; plural -s dropped)
        hero_words = english_words(f"{hero.name} {hero.key} {hero.kind_en}")
        if not actions or any(hero_words & english_words(a) for a in actions):
            return
        cast_words = set().union(*(english_words(f"{c.name} {c.key}") for c in self.plan.cast))
        strangers = [n for n in self._action_names() if not english_words(n) <= cast_words]
        if not strangers:
            return
        stranger = max(strangers, key=lambda n: sum(bool(re.search(rf"\b{n}\b", a)) for a in actions))
        log.debug("the plan's actions call the hero %r: renamed to %r", stranger, hero.name)
        for scene in self.plan.scenes:
            scene.action_en = re.sub(rf"\b{stranger}\b", hero.name, scene.action_en)

    def _plan_names(self) -> set[str]:
        """Names the story may use beyond the dictionary: the plan's own, in the story's language."""
        if self.lang == "ru":
            return set(self.local_names.values())
        return set(self._action_names())

    def _drop_repeated_actions(self) -> None:
        """A scene whose action repeats an earlier one falls back to its beat's goal (no déjà vu)."""
        from engine.text.cleanup import word_set_similarity

        seen: list[str] = []
        for scene in self.plan.scenes:
            if scene.action_en and any(word_set_similarity(scene.action_en, a) >= 0.6 for a in seen):
                scene.action_en = ""
            elif scene.action_en:
                seen.append(scene.action_en)

    def _english_fields_only(self) -> None:
        """Picture fields are for English-reading illustrators: a field in another script is dropped."""
        for member in self.plan.cast:
            member.look_en = "" if other_script_tokens(member.look_en, "en") else member.look_en
            member.kind_en = "" if other_script_tokens(member.kind_en, "en") else member.kind_en.lower()
        for scene in self.plan.scenes:
            scene.place_en = "" if other_script_tokens(scene.place_en, "en") else scene.place_en
            scene.action_en = "" if other_script_tokens(scene.action_en, "en") else scene.action_en
            scene.tags_en = [t for t in scene.tags_en if not other_script_tokens(t, "en")]

    def localise(self) -> None:
        """The names and title the story says, from the plan's own ``names_ru``/``title_ru`` fields
        (the plan asks for them last, so they cost no second call).

        The plan is English because the model plans better in English; the story needs the names
        as a Russian child would hear them. Names that fail the checks fall back to the prompt's
        hero (for the hero) or to the character's kind in Russian (RU_KINDS).
        """
        if self.lang == "en" or not self.plan.from_model:
            self.plan.cast[0].name = self.plan.cast[0].name if self.lang == "en" else self.hero.name
            return
        title = self.plan.title_local
        self.plan.title = title if self._sayable(title) else ""
        for i, member in enumerate(self.plan.cast):
            english = member.name
            name = member.name_local.strip(' «»"')
            if (
                i == 0
                and (not self._name_like(name) or self.hero_lemma not in _lemmas(name))
                and _animate(self.hero_lemma)
            ):
                # the model renamed the prompt's creature; a house or a stair is no hero
                name = self.hero.name
            member.name = name if self._name_like(name) else RU_KINDS.get(member.kind_en.lower(), "друг")
            self.local_names[english] = member.name

    def _name_like(self, name: str) -> bool:
        """A Russian name the narrator can say in every scene: dictionary-clean, at least three
        letters («Мя» for Mia was a slip) and no verb in it (the model once named the bear
        «Жил-был медведь», and the story said «Жил-былму медведю»)."""
        from engine.text.morph import ru_parse

        if not self._sayable(name) or len(re.sub(r"\W", "", name)) < 3:
            return False
        words = [w for w in re.split(r"[\s-]+", name.lower()) if w]
        return not any(ru_parse(w).tag.POS in ("VERB", "INFN") for w in words)

    def _sayable(self, text: str) -> bool:
        return bool(text) and not other_script_tokens(text, self.lang) and not invented_words(text, self.lang)

    # ------------------------------------------------------------------ scenes

    def scene_request(self, index: int, budget: int) -> str:
        """One scene's instruction, in the story's language (English instructions make a Russian
        story slip into English), with the plan's English action quoted as the direction."""
        scene = self.plan.scenes[index]
        names = {c.key: c.name for c in self.plan.cast}
        who = ", ".join(names.get(k, k) for k in scene.characters) or self.plan.cast[0].name
        goal = scene.action_en or (BEAT_GOALS_RU if self.lang == "ru" else BEAT_GOALS).get(scene.beat, "")
        for english, local in self.local_names.items():
            goal = re.sub(rf"\b{re.escape(english)}\b", local, goal)
        sentences = self.sentences_for(budget)
        n = len(self.plan.scenes)
        if self.lang == "ru":
            end = " Это конец сказки: заверши её тепло." if scene.beat == "ending" else ""
            return (
                f"Сцена {index + 1} из {n}. Что происходит: {goal}. Герои: {who}.{end}\n"
                f"Напиши {sentences} {_ru_sentences(sentences)} по-русски, только текст сказки, "
                "только новое, без повторов."
            )
        end = " This is the end of the story: close it warmly." if scene.beat == "ending" else ""
        return (
            f"Scene {index + 1} of {n}. What happens: {goal}. Who: {who}.{end}\n"
            f"Write {sentences} sentence{'s' if sentences > 1 else ''}, only the story text, only what is new."
        )

    def first_turn(self, index: int, budget: int) -> str:
        title = f"Title: {self.plan.title}\n" if self.plan.title else ""
        head = f"{title}Characters:\n{cast_lines(self.plan)}\nPlot:\n{self.plan.outline()}\n\n"
        if self.lang == "ru":
            return (
                head
                + "Сказка начинается так (это уже написано, не повторяй):\n"
                + " ".join(self.opening)
                + "\n\nПродолжай сказку по-русски, по одной сцене.\n"
                + self.scene_request(index, budget)
            )
        return (
            head
            + "The story begins like this (already written, do not repeat it):\n"
            + " ".join(self.opening)
            + "\n\nContinue the story one scene at a time.\n"
            + self.scene_request(index, budget)
        )

    def sentences_for(self, chars: int) -> int:
        """Sentences to ask for to keep ``chars``: more when the filters have been rejecting (long
        Russian stories lost up to half their sentences as repeats and came out a quarter short);
        a scene is cut at 1.3× its budget and the story at +10 %, so asking more never overshoots."""
        written = self.kept_chars + self.rejected_chars
        factor = min(MAX_ASK, written / self.kept_chars) if self.kept_chars and written > 200 else 1.0
        return max(1, round(chars * factor / SENTENCE_CHARS[self.lang]))

    def budget_for(self, index: int) -> int:
        written = sum(len(s) + 1 for s in self.opening) + sum(s.chars for s in self.scenes)
        left = len(self.plan.scenes) - index
        return max(60, int((self.target - written) / max(1, left)))

    def _max_tokens(self, budget: int) -> int:
        return int(budget / CHARS_PER_TOKEN[self.lang] * 1.5) + 24

    def clean_answer(self, answer: str) -> list[str]:
        """The sentences of a scene answer, without headings, lead-ins or an unfinished tail."""
        text = _HEADING.sub("", answer.strip())
        text = _LEAD_IN.sub("", text)
        if self.lang == "en":  # screenplay lines («Lucy: "Wow!"») become prose
            text = _SPEAKER.sub(r"\1\2 said, \3", text)
        else:
            text = _SPEAKER_RU.sub(r"\1\2 говорит: «\3»", text)
        text = clean_generation(text).replace("\n", " ").strip()
        if text.count("«") != text.count("»"):  # a stray quote mark from the prompt's quoting
            text = text.replace("«", "").replace("»", "")
        text = drop_unfinished_tail(text)
        return [s for s in split_sentences(text) if s]

    def judge(self, sentences: list[str], scene: SceneText) -> tuple[list[str], int]:
        """(accepted sentences, number rejected) — each against the story so far and the earlier ones."""
        from engine.text.cleanup import word_set_similarity

        accepted: list[str] = []
        bad = 0
        local = SentenceCheck(self.lang, self.check.names, [*self.check.previous, *scene.sentences])
        goals = [BEAT_GOALS_RU.get(scene.plan.beat, ""), BEAT_GOALS.get(scene.plan.beat, "")]
        for s in sentences:
            reason = "talks about the story" if _META.search(s) else local.problem(s)
            if not reason and any(word_set_similarity(s, g) >= ECHO_SIMILARITY for g in goals):
                reason = "echoes the instruction"
            if reason:
                bad += 1
                scene.rejected.append((s, reason))
                self.rejected_chars += len(s) + 1
                continue
            local.accept(s)
            accepted.append(s)
            self.kept_chars += len(s) + 1
        return accepted, bad

    def _ask(self, messages: list[Message], budget: int, seed: int, temperature: float) -> str:
        self.generations += 1
        return self.backend.chat(
            messages,
            max_tokens=self._max_tokens(budget),
            seed=seed,
            temperature=temperature,
            stop=ECHO_STOPS,
            script=self.lang,
        )

    def write_scene(self, index: int) -> SceneText:
        scene = SceneText(self.plan.scenes[index])
        budget = self.budget_for(index)
        request = self.first_turn(index, budget) if not self.scenes else self.scene_request(index, budget)
        base = self.messages or [Message(role="system", content=system_prompt(self.lang, self.genre))]
        convo = [*base, Message(role="user", content=request)]
        best: tuple[int, int, list[str]] | None = None
        for attempt in range(MAX_CANDIDATES):
            if attempt and self._late():
                break
            # a little hotter as the story goes on: late scenes are where a small model loops
            heat = TEMPERATURE + LATE_HEAT * index / max(1, len(self.plan.scenes) - 1) + 0.05 * attempt
            answer = self._ask(convo, budget, self.seed * 1009 + index * 31 + attempt, heat)
            scene.candidates += 1
            accepted, bad = self.judge(self.clean_answer(answer), scene)
            length = sum(len(s) + 1 for s in accepted)
            key = (bad + (2 if not accepted else 0), abs(budget - length), accepted)
            if best is None or key[:2] < best[:2]:
                best = key
            if bad == 0 and accepted:
                break
        scene.sentences = self._within(best[2] if best else [], budget)
        convo.append(Message(role="assistant", content=" ".join(scene.sentences)))
        last = index == len(self.plan.scenes) - 1
        for extra in range(MAX_EXTENSIONS + (2 if last else 0)):
            # length is a promise (the video's duration), so extensions are not cut by the time budget;
            # the last scene also makes up what the story as a whole still lacks
            missing = budget - scene.chars
            if last:
                missing = max(missing, int(0.95 * self.target) - self.total_chars() - scene.chars)
            if not scene.sentences or missing < 0.25 * budget:
                break
            if not self._extend(convo, scene, missing, index * 10 + extra):
                break
        for s in scene.sentences:
            self.check.accept(s)
        self.messages = convo
        return scene

    def _late(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    @staticmethod
    def _within(sentences: list[str], budget: int) -> list[str]:
        """Stop the scene once it has its share: sentences beyond 1.3 × the budget are not used."""
        kept: list[str] = []
        for s in sentences:
            if kept and sum(len(k) + 1 for k in kept) + len(s) > 1.3 * budget:
                break
            kept.append(s)
        return kept

    def _extend(self, convo: list[Message], scene: SceneText, missing: int, index: int) -> bool:
        """A scene that came out short is asked to go on (the conversation stays cached); True when
        it grew. Length is a promise, so a continuation rejected whole is sampled once more."""
        more = self.sentences_for(missing)
        if self.lang == "ru":
            text = f"Продолжи эту сцену: ещё {more} {_ru_sentences(more)} по-русски."
        else:
            text = f"Continue this scene with {more} more sentence{'s' if more > 1 else ''}."
        convo.append(Message(role="user", content=text))
        for attempt in range(2):  # a continuation that only repeats the story is sampled once more, hotter
            answer = self._ask(
                convo, missing, self.seed * 7 + index + 101 * attempt, TEMPERATURE + 0.15 * attempt
            )
            accepted, _ = self.judge(self.clean_answer(answer), scene)
            if accepted:
                scene.sentences.extend(accepted)
                convo.append(Message(role="assistant", content=" ".join(accepted)))
                convo[-3] = Message(role="assistant", content=" ".join(scene.sentences))
                del convo[-2:]  # one assistant turn per scene keeps the next prompt's prefix cached
                return True
        convo.pop()
        return False

    def write(self, report: Callable[[float, str], None], seconds: float | None = None) -> None:
        """Plan, then every scene; ``seconds`` is the time the writing may take (see TIME_SHARE)."""
        if seconds:
            self.deadline = time.monotonic() + seconds
        report(0.05, "planning the story")
        if self.plain_plan:
            self.check.names = {self.hero.name}
        else:
            self.make_plan()
        for s in self.opening:
            self.check.accept(s)
        started = time.monotonic()
        n = len(self.plan.scenes)
        for i in range(n):
            report(0.12 + 0.8 * i / n, f"scene {i + 1}/{n}: {self.plan.scenes[i].beat.replace('_', ' ')}")
            self.scenes.append(self.write_scene(i))
        self.fit_length()
        self.seconds["scenes"] += time.monotonic() - started

    # ------------------------------------------------------------------ results

    def total_chars(self) -> int:
        return sum(len(s) + 1 for s in self.opening) + sum(s.chars for s in self.scenes)

    def fit_length(self) -> None:
        """Drop sentences until the story fits: longest scenes first, never a scene's only sentence,
        and in the ending never its last line (the one that closes the story)."""
        while self.total_chars() > MAX_OVER * self.target:
            trimmable = [s for s in self.scenes if len(s.sentences) > 1]
            if not trimmable:
                return
            longest = max(trimmable, key=lambda s: s.chars)
            longest.sentences.pop(-2 if longest is self.scenes[-1] else -1)

    def groups(self) -> list[tuple[list[str], ScenePlan]]:
        """Sentences per scene with its plan; the opening joins the first scene; empty scenes vanish."""
        out: list[tuple[list[str], ScenePlan]] = []
        for i, scene in enumerate(self.scenes):
            sentences = ([*self.opening] if i == 0 else []) + scene.sentences
            if sentences:
                out.append((sentences, scene.plan))
        if not out:
            out.append((list(self.opening), self.plan.scenes[0] if self.plan.scenes else ScenePlan()))
        # A vanished scene would leave a picture on screen twice as long as planned (the scene count
        # follows the length): split the longest scenes again, each half showing its scene's plan.
        while len(out) < len(self.scenes):
            longest = max(range(len(out)), key=lambda k: sum(len(x) for x in out[k][0]))
            sentences, plan = out[longest]
            if len(sentences) < 2:
                break
            half = (len(sentences) + 1) // 2
            out[longest : longest + 1] = [(sentences[:half], plan), (sentences[half:], replace(plan))]
        return out
