"""User-facing strings in Russian and English.

Messages are sent with parse_mode=HTML, so ``t()`` escapes every value it fills in: a prompt full
of ``<b>``, ``*stars*`` or ``&`` is shown literally and never breaks a message. Wrap a value in
``Raw`` only when it is our own markup.
"""

from __future__ import annotations

import html
from typing import Any

from bot.texts import en, ru

LANGS = ("ru", "en")
_TABLES: dict[str, dict[str, str]] = {"ru": ru.TEXTS, "en": en.TEXTS}


class Raw(str):
    """A value that is already HTML and must not be escaped."""


def lang_of(code: str | None) -> str:
    return code if code in _TABLES else "en"


def t(lang: str, key: str, **values: Any) -> str:
    table = _TABLES[lang_of(lang)]
    template = table.get(key) or _TABLES["en"][key]
    safe = {k: v if isinstance(v, Raw) else html.escape(str(v), quote=False) for k, v in values.items()}
    return template.format(**safe)


def stage_name(lang: str, stage: str | None) -> str:
    return (
        t(lang, f"stage_{stage}")
        if stage and f"stage_{stage}" in _TABLES["en"]
        else html.escape(stage or "?")
    )


def shorten(text: str, limit: int) -> str:
    """Cut to ``limit`` characters on a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"
