"""Markup stripping: the visible words of text a user pasted or a model wrote.

One function for every block (the prompt check and the narrator's normaliser each had their own,
slightly different): HTML tags and entities, Markdown links, images, emphasis, headers, quotes,
list bullets and code fences, and URLs go; the words inside stay. Standard library only — the bot
calls it on every message.
"""

from __future__ import annotations

import html
import re

_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]{0,500}>")
_HTML_BLOCK = re.compile(r"<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>", re.S | re.I)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_MD_CODE_FENCE = re.compile(r"```[^\n]*\n?|```")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~|`+)")
_MD_LINE_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)", re.M)


def strip_markup(text: str) -> str:
    """Remove HTML tags and entities, Markdown syntax and URLs, keeping the visible words."""
    text = _HTML_BLOCK.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _MD_CODE_FENCE.sub(" ", text)
    text = _MD_LINE_PREFIX.sub("", text)
    return _MD_EMPHASIS.sub("", text)
