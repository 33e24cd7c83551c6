"""The one Russian morphological analyser of the process.

pymorphy3's ``MorphAnalyzer`` reads ~15 MB of dictionaries and takes about a second to build; the
text, speech and images blocks each used to build their own. ``morph()`` builds it once, on first
use, under a lock (stages run in parallel threads), and every block shares it — the analyser is
read-only after construction, so sharing it between threads is safe.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3

_lock = threading.Lock()
_analyzer: pymorphy3.MorphAnalyzer | None = None


def morph() -> pymorphy3.MorphAnalyzer:
    """The shared ``pymorphy3.MorphAnalyzer`` (raises ImportError when pymorphy3 is missing)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                import pymorphy3

                _analyzer = pymorphy3.MorphAnalyzer()
    return _analyzer
