"""Split a scene's text into narration and direct speech, and work out who says each line.

Recognised: «ёлочки» (with „лапки“ or nested «…» inside), “curly” and "straight" quotes, and
em-dash dialogue (a paragraph opening with "—", or a dash after a sentence's end, with the
author's remark between dashes: "— Привет, — сказал лис. — Как дела?"). Quoted words that are not
speech (a title: «Колобок») stay narration. Unbalanced quotes are read as plain characters.

Every piece keeps its original characters, so joining the pieces gives back the scene text (the
subtitles show exactly what was written); ``speakable`` strips the quotes and dialogue dashes for
TTS. Speakers come from the author's remarks ("сказала лиса", "Tom asked", "she said"): the name
(lemmatised for Russian when pymorphy3 is there) becomes a stable character key, the verb's ending
gives the gender ("сказала" → female), a pronoun ("сказал он", "she said") goes to the nearest
animate subject mentioned before it. Unattributed lines continue the speaker of the same
paragraph, or alternate with the previous speaker in a new one, as readers assume. These are
heuristics: a name and a species for one character ("Алиса" / "лиса") stay two characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from engine.lang.sentences import sentence_pieces

DASHES = "—–"
# small models and users often type a hyphen for the dialogue dash: "- Привет! - сказал волк."
_DASH = rf"(?:[{DASHES}]|-(?=\s))"
_OPEN_CLOSE = {"«": "»", "„": "“", "“": "”"}
_SPEECH_END = ",.!?…:"


@dataclass
class Segment:
    text: str  # original characters, including quotes/dashes
    speech: bool
    paragraph: int = 0
    speaker: str = "narrator"
    gender: str = ""  # "m" / "f" / "" for the speaker, when known


# ---------------------------------------------------------------- splitting


def _quote_spans(par: str) -> list[tuple[int, int]]:
    """(start, end) of top-level balanced quotations, end exclusive (includes the quote marks)."""
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(par)
    while i < n:
        ch = par[i]
        if ch in _OPEN_CLOSE:
            close = _OPEN_CLOSE[ch]
            depth, j = 1, i + 1
            while j < n:
                if par[j] == ch and ch != close:
                    depth += 1
                elif par[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < n:
                spans.append((i, j + 1))
                i = j + 1
                continue
        elif ch == '"':
            j = par.find('"', i + 1)
            if j != -1:
                spans.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return spans


def _looks_like_speech(inner: str, before: str, after: str) -> bool:
    """A quotation is speech, not a title or a word in quotes, when the context says so."""
    words = len(inner.split())
    if before.rstrip().endswith(":"):
        return True
    if inner.rstrip()[-1:] in "!?…." or inner.rstrip().endswith(","):
        return True
    stripped_after = after.lstrip()
    if stripped_after[:1] in ("," + DASHES) and words >= 2:
        return True
    return words >= 5


_DASH_SEPARATOR = re.compile(rf"(?<=[{re.escape(_SPEECH_END)}])\s*(?=[{DASHES}-]\s)")


def _split_dash_dialogue(text: str, starts_speech: bool, paragraph: int) -> list[Segment]:
    """Cut at dashes after punctuation; the pieces alternate speech and the author's remarks."""
    parts = [p for p in _DASH_SEPARATOR.split(text) if p.strip()]
    out: list[Segment] = []
    speech = starts_speech
    for part in parts:
        # narration → speech only after a finished sentence or "сказал:" ("…: — Привет!"), or
        # after a comma when the paragraph is dialogue ("— Домой, — ответила лиса, — пора.");
        # a dash after a comma inside narration ("Лес был тёмный, — и страшный") stays narration
        ends = ".!?…:," if starts_speech else ".!?…:"
        if speech and out and not out[-1].speech and out[-1].text.rstrip()[-1:] not in ends:
            out[-1].text = out[-1].text.rstrip() + " " + part.lstrip()
            continue
        out.append(Segment(part, speech, paragraph))
        speech = not speech
    return out


def split_paragraph(par: str, paragraph: int = 0) -> list[Segment]:
    """Segments of one paragraph, in order; their texts joined give ``par`` back."""
    stripped = par.lstrip()
    if stripped[:1] in DASHES or (stripped[:1] == "-" and stripped[1:2] == " "):
        return _split_dash_dialogue(par, True, paragraph)
    out: list[Segment] = []
    pos = 0
    for start, end in _quote_spans(par):
        inner = par[start + 1 : end - 1]
        if not _looks_like_speech(inner, par[:start], par[end:]):
            continue
        if start > pos:
            out.extend(_split_dash_dialogue(par[pos:start], False, paragraph))
        # punctuation right after the closing quote (",", "!") belongs to the speech
        tail = re.match(r"[,.!?…]*", par[end:]).group(0)  # type: ignore[union-attr]  # `*` always matches
        # «Беги, — сказал дед, — беги!»: the author's remark inside the quotes is narration
        out.extend(_split_dash_dialogue(par[start : end + len(tail)], True, paragraph))
        pos = end + len(tail)
    if pos < len(par):
        out.extend(_split_dash_dialogue(par[pos:], False, paragraph))
    return [s for s in out if s.text.strip()]


def split_text(text: str) -> list[Segment]:
    """All segments of a scene text, paragraph by paragraph (newlines separate paragraphs)."""
    segments: list[Segment] = []
    for k, par in enumerate(p for p in re.split(r"\n+", text) if p.strip()):
        segments.extend(split_paragraph(par.strip(), k))
    _merge_narration(segments)
    return segments


def _merge_narration(segments: list[Segment]) -> None:
    """Neighbouring narration pieces of one paragraph become one line (fewer, longer TTS calls)."""
    k = 1
    while k < len(segments):
        a, b = segments[k - 1], segments[k]
        if not a.speech and not b.speech and a.paragraph == b.paragraph:
            a.text = a.text.rstrip() + " " + b.text.lstrip()
            del segments[k]
        else:
            k += 1


def split_sentences(text: str) -> list[str]:
    """Sentences of a segment, keeping every character (so subtitles can be timed per sentence).

    razdel (engine.lang) decides where sentences end: it knows abbreviations ("Mr.", "т. е.", "г.")
    and initials ("А. С. Пушкин") and keeps a closing quote with its sentence.
    """
    return sentence_pieces(text)


def speakable(text: str) -> str:
    """The words of a segment without quote marks and dialogue dashes (for TTS only)."""
    text = re.sub(r"[«»„“”\"]", "", text)
    text = re.sub(rf"(^|(?<=[\s{re.escape(_SPEECH_END)}])){_DASH}\s*", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- speakers

_RU_VERBS = (
    "сказа",
    "спроси",
    "ответи",
    "крикну",
    "закрича",
    "прокрича",
    "прошепта",
    "шепну",
    "воскликну",
    "произнё",
    "произне",
    "подума",
    "говори",
    "заговори",
    "проговори",
    "пробормота",
    "промолви",
    "молви",
    "вздохну",
    "улыбну",
    "засмея",
    "рассмея",
    "рявкну",
    "прорыча",
    "пропища",
    "проворча",
    "позва",
    "попроси",
    "добави",
    "продолжи",
    "замети",
    "возрази",
    "согласи",
    "объясни",
    "предложи",
    "буркну",
    "пискну",
    "взмоли",
    "удиви",
    "обрадова",
    "отозва",
    "окликну",
    "заяви",
    "веле",
    "приказа",
    "повтори",
    "протяну",
    "всхлипну",
    "фыркну",
    "хмыкну",
    "усмехну",
    "вскрикну",
    "завопи",
    "ахну",
)
_RU_VERB_RE = re.compile(
    r"\b(?:" + "|".join(_RU_VERBS) + r")[а-яё]*?(л|ла|ло|ли|лся|лась|лось|лись|ёл|ел|ела|ёк|екла)\b",
    re.IGNORECASE,
)
_EN_VERBS = (
    "said",
    "asked",
    "replied",
    "answered",
    "shouted",
    "cried",
    "whispered",
    "called",
    "exclaimed",
    "muttered",
    "laughed",
    "added",
    "yelled",
    "screamed",
    "growled",
    "sighed",
    "murmured",
    "told",
    "squeaked",
    "roared",
    "grumbled",
    "begged",
    "insisted",
    "explained",
    "continued",
    "smiled",
    "says",
)
_EN_VERB_RE = re.compile(r"\b(" + "|".join(_EN_VERBS) + r")\b", re.IGNORECASE)
_RU_PRONOUNS = {"он": "m", "она": "f"}
_EN_PRONOUNS = {"he": "m", "she": "f"}
_RU_SKIP = {
    "тихо",
    "громко",
    "весело",
    "грустно",
    "снова",
    "опять",
    "вдруг",
    "тут",
    "тогда",
    "ему",
    "ей",
    "им",
    "мне",
    "нам",
    "ему,",
    "в",
    "и",
    "а",
    "но",
    "с",
    "на",
    "же",
    "уже",
    "ещё",
    "потом",
}


@lru_cache(maxsize=1)
def _morph():
    try:
        from engine.lang.morph import morph

        return morph()
    except Exception:  # without pymorphy3 names are keyed by their lowercase spelling
        return None


def _ru_name_key(word: str) -> tuple[str, str]:
    """(lemma key, gender from the noun itself) for a Russian name or animal ("лисы" → "лиса")."""
    morph = _morph()
    w = word.lower()
    if morph is None:
        return w, ""
    for parse in morph.parse(w)[:4]:
        if "NOUN" in parse.tag:
            g = "f" if "femn" in parse.tag else "m" if "masc" in parse.tag else ""
            return parse.normal_form, g
    return w, ""


def _ru_is_noun(word: str) -> bool:
    morph = _morph()
    if morph is None:
        return word[:1].isupper()
    return any("NOUN" in p.tag and "nomn" in p.tag for p in morph.parse(word.lower())[:3])


@dataclass
class Attribution:
    name: str = ""  # character key ("лиса", "tom"), "" when only a pronoun or nothing was found
    gender: str = ""
    found: bool = False  # a speech verb was found (even if no name)


def _ru_antecedent(context: str, gender: str) -> str:
    """The nearest animate noun before a pronoun ("…старый барсук. Он сказал" → "барсук").

    Subjects first: in "Волк посмотрел на зайца. — Беги, — сказал он" the pronoun, itself a
    subject, most likely continues the subject "волк", not the nearer object "зайца".
    """
    morph = _morph()
    if morph is None:
        return ""
    words = re.findall(r"[А-Яа-яЁё-]+", context)[-20:]
    for subjects_only in (True, False):
        for w in reversed(words):
            for parse in morph.parse(w.lower())[:2]:
                tag = parse.tag
                if "NOUN" in tag and "anim" in tag and "Pltm" not in tag:
                    if subjects_only and "nomn" not in tag:
                        continue
                    noun_gender = "f" if "femn" in tag else "m" if "masc" in tag else ""
                    if not gender or not noun_gender or noun_gender == gender:
                        return parse.normal_form
                    break
    return ""


def _en_antecedent(context: str, known: set[str]) -> str:
    """The latest "the/a/an (adjective) noun" or known character name before a pronoun."""
    best, best_pos = "", -1
    for m in re.finditer(r"\b(?:the|a|an)\s+(?:[a-z]+\s+)?([a-z]+)\b", context, re.IGNORECASE):
        if m.start(1) > best_pos:
            best, best_pos = m.group(1).lower(), m.start(1)
    for name in known:
        pos = context.lower().rfind(name)
        if pos > best_pos and name.isalpha():
            best, best_pos = name, pos
    return best


def attribute_ru(remark: str, context: str = "", known: set[str] | None = None) -> Attribution:
    """Who speaks, from an author's remark; ``context`` is the narration before (for pronouns)."""
    m = _RU_VERB_RE.search(remark)
    if not m:
        return Attribution()
    ending = m.group(1).lower()
    gender = (
        "f"
        if ending in ("ла", "лась", "ела", "екла")
        else "m"
        if ending in ("л", "лся", "ёл", "ел", "ёк")
        else ""
    )
    words_after = list(re.finditer(r"[А-Яа-яЁё-]+", remark[m.end() :]))[:3]
    words_before = list(re.finditer(r"[А-Яа-яЁё-]+", remark[: m.start()]))[-3:]
    candidates = [(w, m.end() + w.start()) for w in words_after] + [
        (w, w.start()) for w in reversed(words_before)
    ]
    for w, pos in candidates:  # "сказала лиса", "сказал старый волк", then "Лиса сказала"
        word = w.group(0)
        if word.lower() in _RU_PRONOUNS:
            pron_gender = _RU_PRONOUNS[word.lower()]
            name = _ru_antecedent(context + " " + remark[: min(pos, m.start())], pron_gender)
            return Attribution(name, pron_gender, True)
        if word.lower() in _RU_SKIP:
            continue
        if _ru_is_noun(word):
            key, noun_gender = _ru_name_key(word)
            return Attribution(key, gender or noun_gender, True)
    return Attribution("", gender, True)


def attribute_en(remark: str, context: str = "", known: set[str] | None = None) -> Attribution:
    """Who speaks, from "said Tom" / "the fox replied" / "she said"; pronouns look back in ``context``."""
    m = _EN_VERB_RE.search(remark)
    if not m:
        return Attribution()
    after = remark[m.end() :]
    before = remark[: m.start()]
    m_after = re.match(r"\s+(?:([Hh]e|[Ss]he)\b|the\s+(?:[a-z]+\s+)?([a-z]+)|([A-Z][a-z]+))", after)
    m_before = re.search(
        r"(?:\b([Hh]e|[Ss]he)|\b[Tt]he\s+(?:[a-z]+\s+)?([a-z]+)|\b([A-Z][a-z]+))\s*$", before
    )
    # "He stopped and said": the subject opening the remark's last sentence
    sentence_start = max((x.end() for x in re.finditer(r"[.!?]\s+", before)), default=0)
    m_subject = re.compile(r"\s*(?:([Hh]e|[Ss]he)\b|[Tt]he\s+(?:[a-z]+\s+)?([a-z]+)|([A-Z][a-z]+))").match(
        before, sentence_start
    )
    for mm in (m_before, m_after, m_subject):
        if mm:
            if mm.group(1):
                pron_gender = _EN_PRONOUNS[mm.group(1).lower()]
                prior = context + " " + (before[: mm.start()] if mm is not m_after else before)
                return Attribution(_en_antecedent(prior, known or set()), pron_gender, True)
            name = (mm.group(2) or mm.group(3)).lower()
            if name not in ("he", "she", "it", "they", "i", "you", "we"):
                return Attribution(name, "", True)
    return Attribution("", "", True)


@dataclass
class Cast:
    """Characters met so far in one story: stable keys "char1", "char2", … and their genders."""

    keys: dict[str, str] = field(default_factory=dict)  # name → charN
    genders: dict[str, str] = field(default_factory=dict)  # charN → "m"/"f"/""
    history: list[str] = field(default_factory=list)  # charN in the order they spoke

    def key_for(self, name: str, gender: str) -> str:
        if name not in self.keys:
            self.keys[name] = f"char{len(self.keys) + 1}"
        key = self.keys[name]
        if gender and not self.genders.get(key):
            self.genders[key] = gender
        self.genders.setdefault(key, "")
        return key

    def by_pronoun(self, gender: str) -> str | None:
        """The latest speaker of that gender; else the latest one of unknown gender (now known)."""
        for key in reversed(self.history):
            if self.genders.get(key) == gender:
                return key
        last = self.history[-1] if self.history else None
        for key in reversed(self.history):
            if not self.genders.get(key) and key != last:
                self.genders[key] = gender
                return key
        return None

    def other_than(self, key: str | None) -> str | None:
        for k in reversed(self.history):
            if k != key:
                return k
        return None


def assign_speakers(segments: list[Segment], lang: str, cast: Cast) -> None:
    """Fill ``speaker`` and ``gender`` of every speech segment, keeping keys stable via ``cast``."""
    attribute = attribute_ru if lang == "ru" else attribute_en
    for i, seg in enumerate(segments):
        if not seg.speech:
            continue
        attr = Attribution()
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        prv = segments[i - 1] if i > 0 else None
        context = " ".join(x.text for x in segments[:i] if not x.speech)[-400:]
        known = set(cast.keys)
        if nxt is not None and not nxt.speech and nxt.paragraph == seg.paragraph:
            attr = attribute(nxt.text, context, known)
        before_ok = prv is not None and not prv.speech and prv.paragraph == seg.paragraph
        if (
            not attr.found
            and prv is not None
            and before_ok
            and (prv.text.rstrip().endswith(":") or lang != "ru")
        ):
            attr = attribute(
                prv.text, " ".join(x.text for x in segments[: i - 1] if not x.speech)[-400:], known
            )
        key: str | None = None
        if attr.name:
            key = cast.key_for(attr.name, attr.gender)
        elif attr.gender:
            key = cast.by_pronoun(attr.gender) or cast.key_for(f"?{attr.gender}", attr.gender)
        else:
            same_par = [s for s in segments[:i] if s.speech and s.paragraph == seg.paragraph]
            last = cast.history[-1] if cast.history else None
            if same_par:
                key = same_par[-1].speaker  # the same speaker goes on within a paragraph
            else:
                key = cast.other_than(last) or cast.key_for("?other" if last else "?first", "")
        seg.speaker = key
        seg.gender = cast.genders.get(key, "")
        cast.history.append(key)
