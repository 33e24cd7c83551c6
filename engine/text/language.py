"""Moved to ``engine.lang.language`` (the shared layer below the blocks); this re-export keeps old
imports working while the text block moves over. Import from ``engine.lang`` in new code."""

from engine.lang.language import SUPPORTED, detect_language, is_native, script_counts

__all__ = ["SUPPORTED", "detect_language", "is_native", "script_counts"]
