"""RHVoice voice licences, read from the Debian copyright files of the installed packages.

The voices differ (LGPL, CC BY-SA, CC BY-NC-ND …) and a service must know which ones it may use
commercially, so the catalogue records the licence the package itself declares rather than a list
typed in here. Debian's machine-readable copyright format says the *last* matching ``Files:``
stanza applies, which is exactly what ``licence_for`` implements.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path

COPYRIGHT_FILES = (
    Path("/usr/share/doc/rhvoice-russian/copyright"),
    Path("/usr/share/doc/rhvoice-english/copyright"),
    Path("/usr/share/doc/rhvoice/copyright"),
)


def parse_stanzas(text: str) -> list[tuple[list[str], str]]:
    """(file globs, short licence name) for every ``Files:`` stanza of a DEP-5 copyright file."""
    stanzas: list[tuple[list[str], str]] = []
    for block in text.split("\n\n"):
        globs: list[str] = []
        licence = ""
        field = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t"):
                if field == "files":
                    globs.extend(line.split())
                continue
            key, _, value = line.partition(":")
            field = key.strip().lower()
            if field == "files":
                globs = value.split()
            elif field == "license" and not licence:
                licence = value.strip()
        if globs and licence:
            stanzas.append((globs, licence))
    return stanzas


def licence_for(path_in_source: str, stanzas: list[tuple[list[str], str]]) -> str:
    found = ""
    for globs, licence in stanzas:
        if any(fnmatch.fnmatchcase(path_in_source, g) for g in globs):
            found = licence  # the last match wins (DEP-5)
    return found


@lru_cache(maxsize=4)
def _stanzas(path: Path, mtime: float) -> list[tuple[list[str], str]]:
    return parse_stanzas(path.read_text(encoding="utf-8", errors="replace"))


def rhvoice_licence(voice_dir_name: str) -> str:
    """The licence Debian records for ``data/voices/<voice>/``; "" when no copyright file is installed."""
    for path in COPYRIGHT_FILES:
        try:
            stanzas = _stanzas(path, path.stat().st_mtime)
        except OSError:
            continue
        licence = licence_for(f"data/voices/{voice_dir_name}/voice.info", stanzas)
        if licence:
            return licence
    return ""
