"""Check HTML parse-mode text the way Telegram does, so unescaped user input fails in tests too.

Telegram accepts only a few tags and requires ``<``, ``>`` and ``&`` outside tags to be escaped;
otherwise it answers 400 "can't parse entities". The plain text (tags removed, entities decoded)
is what the message shows and what its length limit applies to.
"""

from __future__ import annotations

import html
import re

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


class MarkupError(ValueError):
    pass


def html_to_plain(source: str) -> str:
    """Return the visible text or raise MarkupError with Telegram's wording."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            m = _TAG.match(source, i)
            if not m:
                raise MarkupError(
                    f"Can't parse entities: unexpected end tag or unsupported start tag at byte offset {i}"
                )
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in ALLOWED:
                raise MarkupError(f'Can\'t parse entities: unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise MarkupError(
                        f"Can't parse entities: can't find end tag corresponding to start tag \"{name}\""
                    )
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif ch == ">":
            raise MarkupError(f"Can't parse entities: character '>' is reserved at byte offset {i}")
        elif ch == "&":
            m = _ENTITY.match(source, i)
            if not m:
                raise MarkupError(f"Can't parse entities: character '&' is reserved at byte offset {i}")
            out.append(html.unescape(m.group(0)))
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if stack:
        raise MarkupError(
            f"Can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)
