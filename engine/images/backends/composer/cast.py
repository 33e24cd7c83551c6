"""The story's cast: which drawing plays which character, fixed for the whole story.

"Дракон" in scene 1 and "дракона" in scene 5 must be the same dragon, facing the same way; a
second girl with another name must not look like the first. The cast is worked out from all scenes
before any is drawn and saved as ``images/cast.json`` in the story folder, so redrawing one scene
(or the whole story later) keeps every character as it was.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.folder import attempt
from engine.images.backends.composer.index import AssetIndex, Match

# Alternatives for named characters, so two girls (Маша and Даша) are told apart.
_GIRLS = ("girl", "woman: blond hair", "woman: red hair", "woman: curly hair", "woman")
_BOYS = ("boy", "man: blond hair", "man: red hair", "man: curly hair", "man")


@dataclass
class Member:
    key: str  # what identifies the character across scenes: the English twin or the lemma
    asset_id: str
    flip: bool
    kind: str
    size: float
    appearances: int = 0


class Cast:
    def __init__(self, members: dict[str, Member] | None = None, seed: int = 0) -> None:
        self.members: dict[str, Member] = members or {}
        self._rng = random.Random(seed)

    @staticmethod
    def key_of(m: Match) -> str:
        """Names are their own characters; other words meet under their English twin (кот = кошка)."""
        if m.curated and m.en not in ("girl", "boy"):
            return m.en.lower()
        return m.lemma

    def assign(self, m: Match, index: AssetIndex, named: bool = False) -> Member:
        key = self.key_of(m)
        member = self.members.get(key)
        if member is None:
            asset = m.asset_id
            if named:
                asset = self._free_variant(index, m.asset_id)
            member = Member(key, asset, self._rng.random() < 0.5, m.kind, m.size)
            self.members[key] = member
        member.appearances += 1
        return member

    def assign_member(self, key: str, m: Match, index: AssetIndex) -> Member:
        """A character of the story's cast, keyed by its cast key: two girls of one story get two
        different drawings, and each keeps hers in every scene."""
        member = self.members.get(key)
        if member is None:
            used = {mm.asset_id for mm in self.members.values()}
            asset = m.asset_id
            if asset in used and index.info(asset)["name"] in _GIRLS + _BOYS:
                asset = self._free_variant(index, asset)
            member = Member(key, asset, self._rng.random() < 0.5, m.kind, m.size)
            self.members[key] = member
        member.appearances += 1
        return member

    def _free_variant(self, index: AssetIndex, asset_id: str) -> str:
        used = {mm.asset_id for mm in self.members.values()}
        pool = _GIRLS if index.info(asset_id)["name"] in _GIRLS else _BOYS
        for name in pool:
            candidate = index.annotation.get(name)
            if candidate and candidate not in used:
                return candidate
        return asset_id

    def protagonist(self) -> Member | None:
        """The character seen most often (who to show when a scene names nobody)."""
        people = [m for m in self.members.values() if m.kind in ("person", "creature", "flyer", "swimmer")]
        return max(people, key=lambda m: m.appearances, default=None)

    def save(self, path: Path) -> None:
        data = {k: asdict(v) for k, v in self.members.items()}
        with attempt(path) as tmp:  # crash safety: renamed into place when complete
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, index: AssetIndex, seed: int) -> Cast:
        """A saved cast; members whose asset is no longer in the index are dropped."""
        members: dict[str, Member] = {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        if isinstance(raw, dict):
            for k, v in raw.items():
                try:
                    member = Member(**v)
                except TypeError:
                    continue
                if member.asset_id in index.assets:
                    member.appearances = 0
                    members[str(k)] = member
        return cls(members, seed)
