"""Prompt validation: turn whatever a user typed into clean plain text, or refuse it clearly.

The bot calls this on every message before queueing a job, so it must stay fast and import only
the standard library. Markup is removed rather than rejected: people paste HTML and Markdown
without meaning to, and the words inside are still a good prompt.
"""

from __future__ import annotations

import re
import unicodedata

from engine.errors import PromptError
from engine.lang.markup import strip_markup

#: Prompts longer than this are cut at a sentence boundary: the user's words become the story's
#: opening, and a 75-second story has room for about this much of them.
MAX_PROMPT_CHARS = 600

_HINT = (
    "Пришлите пару фраз по-русски или по-английски, например: «Дракон, который боялся темноты». "
    "Send a sentence or two in Russian or English, e.g. 'A dragon who was afraid of the dark'."
)

_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?…)»])")
_SENTENCE_END = re.compile(r"[.!?…](?:[»\"')\]]*)(?=\s|$)")


def strip_symbols(text: str) -> str:
    """Drop control/format characters, emoji and other pictographs; keep letters, digits, punctuation.

    Backslashes and stray markup characters go too: they mean nothing to a narrator and only
    cause trouble downstream (subtitles, TTS).
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if ch in "\n\t\r" or cat.startswith("Z"):
            out.append(" ")
        elif (cat[0] in "LNP" and ch not in "\\#*_|~^`{}[]<>") or cat in ("Mn", "Mc") or ch in "+=%$€₽&":
            out.append(ch)
        else:  # Cc, Cf (zero-width, bidi controls), So (emoji), Sk, Co, Cs, …
            out.append(" ")
    return "".join(out)


def collapse_whitespace(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def cap_length(text: str, limit: int = MAX_PROMPT_CHARS) -> str:
    """Keep at most ``limit`` characters, cut after the last sentence end (or word) that fits."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() <= limit]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].strip()
    cut = head[:limit].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "."


def has_story_letters(text: str) -> bool:
    """True when the text has Cyrillic or Latin letters, the scripts the story writer can continue."""
    return any(("\u0400" <= ch <= "\u04ff") or ("a" <= ch.lower() <= "z") for ch in text)


def validate_prompt(prompt: str) -> str:
    """The cleaned prompt, or PromptError(message, hint) when nothing tellable is left.

    A prompt asking for explicit sexual content or gore is refused here too, with a polite
    message in the prompt's language (engine/text/moderation.py), before any job is queued.
    """
    if not isinstance(prompt, str):
        raise PromptError("Запрос должен быть текстом. The prompt must be text.", _HINT)
    if not prompt.strip():
        raise PromptError("Пустой запрос — не о чем рассказывать. The prompt is empty.", _HINT)
    text = prompt[: MAX_PROMPT_CHARS * 20]  # a bound on work, far beyond what we keep
    text = collapse_whitespace(strip_symbols(strip_markup(text)))
    text = text.lstrip(" .,;:!?—-").rstrip(" ,;:—-")
    if not any(ch.isalpha() for ch in text):
        raise PromptError(
            "В запросе нет слов — только символы или эмодзи. The prompt has no words, only symbols or emoji.",
            _HINT,
        )
    if not has_story_letters(text):
        raise PromptError(
            "Я пишу истории только по-русски и по-английски. I can only write stories in Russian or English.",
            _HINT,
        )
    text = cap_length(text)
    from engine.text.moderation import check_prompt  # standard library only: still cheap

    check_prompt(text)
    return text
