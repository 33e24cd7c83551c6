"""The shared language layer: what several blocks need about words, below every block.

Module map:

- ``language``  which of our two languages (ru, en) a text is in, and whether it really is;
- ``morph``     the one pymorphy3 ``MorphAnalyzer`` of the process (lazy: ~15 MB of dictionaries);
- ``sentences`` sentence and word splitting (razdel: rule-based, knows Russian abbreviations);
- ``markup``    stripping HTML/Markdown/URLs from text a user or a model wrote;
- ``fonts``     a font that writes Cyrillic, for subtitles (libass) and text cards (Pillow).

Blocks (text, speech, music, images, upscale, video) import from here and never from each other;
this package imports no block (import-linter checks both). Importing it is cheap.
"""

from __future__ import annotations

from engine.lang.fonts import Font, emoji_font, find_font
from engine.lang.language import SUPPORTED, detect_language, is_native, script_counts
from engine.lang.markup import strip_markup
from engine.lang.morph import morph
from engine.lang.sentences import sentence_pieces, split_sentences, words

__all__ = [
    "SUPPORTED",
    "Font",
    "detect_language",
    "emoji_font",
    "find_font",
    "is_native",
    "morph",
    "script_counts",
    "sentence_pieces",
    "split_sentences",
    "strip_markup",
    "words",
]
