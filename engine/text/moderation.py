"""Content safety: refuse prompts that ask for explicit sex, sex around children, or gore; and
catch such text if a model ever writes it from an innocent prompt.

The rules are data (engine/text/moderation_rules.py); this module only applies them. Standard
library only, so the bot can check every prompt the moment it arrives (validate_prompt calls
``check_prompt``), long before a model is loaded.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.errors import PromptError
from engine.text import moderation_rules as rules


@lru_cache(maxsize=1)
def _compiled() -> dict[str, re.Pattern[str]]:
    def join(patterns: tuple[str, ...]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.UNICODE)

    return {
        "sexual": join(rules.SEXUAL),
        "minors": join(rules.MINORS),
        "child_abuse": join(rules.CHILD_ABUSE),
        "gore": join(rules.GORE),
        "nudity": join(rules.NUDITY),
        "harm": join(rules.HARM),
    }


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def classify(text: str) -> str | None:
    """The category a text falls into ("minors", "sexual", "gore"), or None when it is fine."""
    low = normalise(text)
    rx = _compiled()
    sexual = rx["sexual"].search(low) is not None
    about_children = (sexual or rx["nudity"].search(low) is not None) and rx["minors"].search(low)
    if rx["child_abuse"].search(low) or about_children:
        return "minors"
    if sexual:
        return "sexual"
    if rx["gore"].search(low):
        return "gore"
    return None


def refusal(category: str, lang: str) -> str:
    """The polite refusal for a category, in the user's language."""
    messages = rules.REFUSALS.get(category, rules.REFUSALS["sexual"])
    return messages.get(lang, messages["en"])


def check_prompt(prompt: str, lang: str | None = None) -> None:
    """Raise PromptError with a polite refusal in the prompt's language when the prompt is not allowed."""
    category = classify(prompt)
    if category is None:
        return
    if lang not in ("ru", "en"):
        from engine.lang import detect_language

        lang = detect_language(prompt)
    raise PromptError(refusal(category, lang))


def text_problem(text: str) -> str | None:
    """A reason to reject generated text ("banned content: gore"), or None. Generated text is also
    held to the ``harm`` rules (one character stoning, beating or killing another), which prompts
    are not: a user may ask for a knight and a dragon, the writer still tells it without a killing."""
    category = classify(text)
    if category is None and _compiled()["harm"].search(normalise(text)):
        category = "harm"
    return f"banned content: {category}" if category else None
