"""Clean-up of what small language models write: special tokens, markup, loops, cut-off endings.

A 270M model's raw continuation regularly contains chat tokens, Markdown headers, a sentence cut
off by the token limit, the same clause twice, or a loop of one word. Everything here is pure text
processing so it can be tested without a model.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SPECIAL_TOKEN = re.compile(
    r"<\s*/?\s*(?:start_of_turn|end_of_turn|start_of_image|end_of_image|eos|bos|pad|unk|s|mask)\s*>|<\|[^|>]{1,40}\|>|\[/?INST\]",
    re.I,
)
_ROLE_WORDS = re.compile(r"^\s*(?:user|model|assistant|system)\s*[:\n]", re.I | re.M)
_MARKUP_LINE_PREFIX = re.compile(r"^\s*(?:#{1,6}\s*|>\s*|[-*•]\s+|\d{1,2}[.)]\s+)", re.M)
_MARKUP_CHARS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~|#+|\|)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_BRACKETED = re.compile(r"\[[^\]]{0,80}\]|\{[^}]{0,80}\}")
_REPEATED_WORD = re.compile(r"\b(\w+)(?:[\s,]+\1\b){2,}", re.I | re.U)
_REPEATED_CHARS = re.compile(r"(.)\1{4,}", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?…])")
_SENTENCE_FINAL = ".!?…"
_CLOSERS = "»\"')”"
_WORD = re.compile(r"[^\W\d_]+", re.U)


def strip_special_tokens(text: str) -> str:
    """Remove chat/control tokens and role labels that leak from instruction-tuned vocabularies."""
    text = _SPECIAL_TOKEN.sub(" ", text)
    return _ROLE_WORDS.sub(" ", text)


def strip_model_markup(text: str) -> str:
    """Remove Markdown/HTML-ish decoration and URLs; keep the words."""
    text = re.sub(r"<[^<>]{1,80}>", " ", text)
    text = _URL.sub(" ", text)
    text = _MARKUP_LINE_PREFIX.sub("", text)
    text = _BRACKETED.sub(" ", text)
    return _MARKUP_CHARS.sub("", text)


def collapse_loops(text: str) -> str:
    """Shorten stuttering: a word said three or more times in a row is said once; aaaaa → a."""
    text = _REPEATED_WORD.sub(r"\1", text)
    return _REPEATED_CHARS.sub(r"\1", text)


_DETACHED_PARTICLE = re.compile(r"(\w) -(то|ка|нибудь|либо|таки)\b", re.U)


def normalise_spaces(text: str) -> str:
    text = _SPACES.sub(" ", text.replace("\r", ""))
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _DETACHED_PARTICLE.sub(r"\1-\2", text)  # "наконец -то" → "наконец-то" (tokenizer artefact)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def drop_unfinished_tail(text: str) -> str:
    """Cut after the last complete sentence (a token limit usually cuts the last one mid-word)."""
    stripped = text.rstrip()
    if not stripped:
        return ""
    tail = stripped.rstrip(_CLOSERS)
    if tail and tail[-1] in _SENTENCE_FINAL:
        return stripped
    last = max(stripped.rfind(ch) for ch in _SENTENCE_FINAL)
    if last < 0:
        return ""
    end = last + 1
    while end < len(stripped) and stripped[end] in _CLOSERS:
        end += 1
    return stripped[:end]


def clean_generation(text: str) -> str:
    """All the clean-ups above, in the order that makes each one's job easy."""
    text = strip_special_tokens(text)
    text = strip_model_markup(text)
    text = collapse_loops(text)
    return normalise_spaces(text)


@lru_cache(maxsize=1)
def _razdel_sentenize():
    from razdel import sentenize

    return sentenize


def split_sentences(text: str) -> list[str]:
    """Sentences of a text (razdel: rule-based, knows Russian abbreviations and quotes)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(s.text.strip() for s in _razdel_sentenize()(paragraph) if s.text.strip())
    return out


def words(text: str) -> list[str]:
    """Lower-cased words (letters only) of a text."""
    return [w.lower() for w in _WORD.findall(text)]


def word_set_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two sentences' word sets; 1.0 = same words."""
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def drop_repeated_sentences(sentences: list[str], threshold: float = 0.7) -> list[str]:
    """Keep each sentence once: later ones that (nearly) repeat an earlier one are dropped."""
    kept: list[str] = []
    for sentence in sentences:
        if all(word_set_similarity(sentence, k) < threshold for k in kept):
            kept.append(sentence)
    return kept


def ensure_final_punctuation(sentence: str) -> str:
    sentence = sentence.strip()
    if sentence and sentence.rstrip(_CLOSERS)[-1:] not in _SENTENCE_FINAL:
        sentence = sentence.rstrip(",;:—- ") + "."
    return sentence
