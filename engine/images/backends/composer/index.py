"""The searchable index of drawings: word (Russian lemma or English word) → scored asset ids.

Built once from OpenMoji's own table (annotation, tags), CLDR's Russian keywords (lemmatised with
pymorphy3) and Open Clip Art's folder and file names, then cached as JSON by ensure_assets below.
Lookups try the curated word map first (it knows that a story's "замок" is a castle, not a lock),
then the index, OpenMoji before clip art so a story keeps one drawing style where it can.
"""

from __future__ import annotations

import csv
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from engine.images.backends.composer import wordmap
from engine.images.backends.composer.assets import AssetRoots, assets_dir, install_art, locate
from engine.images.backends.composer.words import EN_STOP, RU_STOP, Token, english_lemma

# OpenMoji groups/subgroups that are UI, flags, brands or abstract symbols: never scene content.
_SKIP_GROUPS = {"flags", "component", "symbols"}
_SKIP_SUBGROUPS = {
    "brand", "ui-element", "interaction", "queer-symbols", "flags", "regional-indicator",
    "subdivision-flag", "symbol-other", "symbols", "time", "hands", "hand-fingers-closed",
    "hand-fingers-open", "hand-fingers-partial", "hand-single-finger", "hand-prop", "body-parts",
    "person-gesture", "person-symbol", "emotion", "heart", "technology", "healthcare", "emergency",
    "keycap", "alphanum", "arrow",
}  # fmt: skip
_SMILEYS_KEEP = {"face-costume"}

_KIND_BY_SUBGROUP = {
    "animal-bird": "flyer",
    "animal-marine": "swimmer",
    "animal-mammal": "creature",
    "animal-reptile": "creature",
    "animal-amphibian": "creature",
    "animal-bug": "creature",
    "face-costume": "creature",
    "plant-flower": "plant",
    "plant-other": "plant",
    "place-building": "building",
    "place-religious": "building",
    "place-other": "building",
    "place-geographic": "landform",
    "transport-air": "flyer",
    "transport-water": "swimmer",
    "transport-ground": "vehicle",
    "sky-weather": "flyer",
}
DEFAULT_SIZE = {
    "person": 1.0, "creature": 0.6, "flyer": 0.5, "swimmer": 0.7, "object": 0.3, "plant": 0.8,
    "building": 2.0, "landform": 2.5, "vehicle": 1.0,
}  # fmt: skip

# Open Clip Art folders with story content (the rest are buttons, logos, office icons, …).
_CLIPART_FOLDERS = {
    "animals": "creature", "people": "person", "plants": "plant", "buildings": "building",
    "transportation": "vehicle", "food": "object", "recreation": "object", "tools": "object",
    "geography": "landform", "containers": "object",
}  # fmt: skip
_CLIPART_MAX_BYTES = 150_000  # bigger files are photo-like tracings: slow to render, off-style
_SPLIT = re.compile(r"[^a-z]+")


def _kind_of(group: str, subgroup: str) -> str:
    if group == "people-body" or subgroup in {"person", "person-role", "person-fantasy", "family", "people"}:
        return "person"
    if subgroup == "animals-nature":
        return "creature"
    return _KIND_BY_SUBGROUP.get(subgroup, "object")


def _add(terms: dict[str, dict[str, float]], term: str, asset_id: str, score: float) -> None:
    if not term or len(term) < 2:
        return
    slot = terms.setdefault(term, {})
    if slot.get(asset_id, 0.0) < score:
        slot[asset_id] = score


def _ru_lemma(morph, word: str) -> tuple[str, bool]:
    p = morph.parse(word.lower())[0]
    return p.normal_form.replace("ё", "е"), p.tag.POS == "NOUN"


def build_index(roots: AssetRoots) -> dict:
    """The whole index as plain JSON-able data (takes a few seconds; cached by ensure_assets)."""
    assets: dict[str, dict] = {}
    terms: dict[str, dict[str, float]] = {}
    annotation: dict[str, str] = {}
    by_emoji: dict[str, str] = {}
    assert roots.openmoji is not None
    _read_openmoji(roots.openmoji, assets, terms, annotation, by_emoji)
    if roots.cldr_ru is not None:
        _read_cldr(roots.cldr_ru, terms, by_emoji)
    if roots.openclipart is not None:
        _read_openclipart(roots.openclipart, assets, terms)
    ranked = {t: sorted(ids.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0])) for t, ids in terms.items()}
    return {
        "version": 1,
        "openmoji_count": sum(1 for a in assets.values() if a["source"] == "openmoji"),
        "openclipart_count": sum(1 for a in assets.values() if a["source"] == "openclipart"),
        "assets": assets,
        "annotation": annotation,
        "emoji": by_emoji,
        "terms": {t: [[i, s] for i, s in v[:12]] for t, v in ranked.items()},
    }


def _read_openmoji(
    root: Path,
    assets: dict[str, dict],
    terms: dict[str, dict[str, float]],
    annotation: dict[str, str],
    by_emoji: dict[str, str],
) -> None:
    """OpenMoji's own table: names, tags and groups of every drawing that can be scene content."""
    with (root / "data" / "openmoji.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            group, sub = row["group"], row["subgroups"]
            if row["skintone"] or group in _SKIP_GROUPS or sub in _SKIP_SUBGROUPS:
                continue
            if group == "smileys-emotion" and sub not in _SMILEYS_KEEP:
                continue
            hexcode = row["hexcode"]
            if not re.fullmatch(r"[0-9A-F]+(?:-[0-9A-F]+)*", hexcode):
                continue
            rel = f"color/svg/{hexcode}.svg"
            if not (root / rel).is_file():
                continue
            asset_id = f"openmoji:{hexcode}"
            name = row["annotation"].strip()
            kind = _kind_of(group, sub)
            assets[asset_id] = {"source": "openmoji", "path": rel, "name": name, "kind": kind, "sub": sub}
            annotation.setdefault(name.lower(), asset_id)
            by_emoji[row["emoji"]] = asset_id
            by_emoji[row["emoji"].replace("\ufe0f", "")] = asset_id
            name_words = [w for w in _SPLIT.split(name.lower()) if w and w not in EN_STOP]
            _add(terms, name.lower(), asset_id, 10.0)
            for i, w in enumerate(name_words):
                lemma = english_lemma(w)
                _add(terms, lemma, asset_id, 6.0 if i == len(name_words) - 1 else 3.0)
            for tag in (row["tags"] + "," + row["openmoji_tags"]).split(","):
                tag = tag.strip().lower()
                if tag and " " not in tag and tag not in EN_STOP:
                    _add(terms, english_lemma(tag), asset_id, 4.0)


def _read_cldr(path: Path, terms: dict[str, dict[str, float]], by_emoji: dict[str, str]) -> None:
    """CLDR's Russian keywords, lemmatised, onto the emoji they describe."""
    from engine.lang.morph import morph as shared_morph

    morph = shared_morph()
    cldr = json.loads(path.read_text(encoding="utf-8"))["annotations"]["annotations"]
    for emoji, entry in cldr.items():
        found = by_emoji.get(emoji) or by_emoji.get(emoji.replace("\ufe0f", ""))
        if found is None:
            continue
        asset_id = found
        for score, words in ((9.0, entry.get("tts", [])), (7.0, entry.get("default", []))):
            for phrase in words:
                parts = phrase.split()
                if len(parts) == 1:
                    lemma, _noun = _ru_lemma(morph, parts[0])
                    if lemma not in RU_STOP:
                        _add(terms, lemma, asset_id, score)
                else:
                    _add(terms, " ".join(_ru_lemma(morph, p)[0] for p in parts), asset_id, score)
                    for p in parts:
                        lemma, noun = _ru_lemma(morph, p)
                        if noun and lemma not in RU_STOP:
                            _add(terms, lemma, asset_id, 3.0)


def _read_openclipart(root: Path, assets: dict[str, dict], terms: dict[str, dict[str, float]]) -> None:
    """Open Clip Art's folders of story content, by file and folder names."""
    for folder, kind in _CLIPART_FOLDERS.items():
        base = root / folder
        for dirpath, _dirs, files in os.walk(base):
            for fname in sorted(files):
                if not fname.endswith(".svg"):
                    continue
                full = Path(dirpath) / fname
                if full.is_symlink() or full.stat().st_size > _CLIPART_MAX_BYTES:
                    continue
                rel = full.relative_to(root).as_posix()
                asset_id = "openclipart:" + rel[: -len(".svg")]
                words = [w for w in _SPLIT.split(fname[:-4].lower()) if len(w) > 2 and w not in EN_STOP]
                if not words:
                    continue
                assets[asset_id] = {
                    "source": "openclipart", "path": rel, "name": " ".join(words), "kind": kind,
                    "sub": Path(rel).parent.as_posix(),
                }  # fmt: skip
                for i, w in enumerate(words[:3]):
                    _add(terms, english_lemma(w), asset_id, 2.0 if i == 0 else 1.0)
                for w in Path(rel).parent.parts[1:]:
                    _add(terms, english_lemma(w.lower()), asset_id, 0.5)


INDEX_VERSION = 5
_lock = threading.Lock()


def index_path() -> Path:
    return assets_dir() / f"image-index-v{INDEX_VERSION}.json"


def ensure_assets() -> None:
    """Install what is missing and build the index; a no-op (a few stats) once done."""
    with _lock:
        roots = install_art()
        if not index_path().is_file():
            data = build_index(roots)
            tmp = index_path().with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(index_path())
            load_index.cache_clear()


@lru_cache(maxsize=1)
def load_index() -> dict:
    """The built index (raises FileNotFoundError when ensure_assets has not run)."""
    return json.loads(index_path().read_text(encoding="utf-8"))


def asset_file(asset_id: str) -> Path:
    """The SVG of an asset id from the index. Unknown ids raise KeyError, so text can't pick a path."""
    entry = load_index()["assets"][asset_id]
    roots = locate()
    root = roots.openmoji if entry["source"] == "openmoji" else roots.openclipart
    if root is None:
        raise FileNotFoundError(f"asset source {entry['source']} is not installed")
    path = (root / entry["path"]).resolve()
    if not path.is_relative_to(root.resolve()):
        raise KeyError(asset_id)
    return path


@dataclass(frozen=True)
class Match:
    """A word of the scene that found a drawing."""

    word: str  # the word as written in the scene
    lemma: str
    asset_id: str
    source: str  # "openmoji" | "openclipart"
    kind: str
    size: float
    en: str  # English twin
    score: float
    curated: bool


class AssetIndex:
    """Lookups over the cached index; cheap to construct (the JSON is loaded once per process)."""

    MIN_OPENMOJI = 7.0  # a Russian keyword or an English name; tags alone mislead (вода → umbrella)
    MIN_OPENMOJI_EN = 6.0  # an emoji's name or its head noun ("small" in "small airplane" is not)
    MIN_CLIPART = 2.0

    def __init__(self, data: dict | None = None) -> None:
        self.data = data if data is not None else load_index()
        self.assets: dict[str, dict] = self.data["assets"]
        self.terms: dict[str, list[list]] = self.data["terms"]
        self.annotation: dict[str, str] = self.data["annotation"]
        self.english_words = frozenset(t for t in self.terms if " " not in t) | frozenset(wordmap.EN)

    @cached_property
    def bigrams(self) -> dict[str, str]:
        """Two-word entries of the word map by their lemmas ("летучая мышь" → "летучий мышь")."""
        from engine.images.backends.composer.words import lemmas

        out: dict[str, str] = {}
        for key in (*wordmap.RU, *wordmap.EN):
            if " " in key:
                out[" ".join(lemmas(key))] = key
        return out

    def search(self, term: str) -> list[tuple[str, float]]:
        """Raw ranked hits for one lemma (for tests and debugging)."""
        return [(i, s) for i, s in self.terms.get(term.lower().replace("ё", "е"), [])]

    def curated(self, lemma: str, lang: str) -> wordmap.Word | None:
        table = wordmap.RU if lang == "ru" else wordmap.EN
        return table.get(lemma)

    def match(self, tok: Token, accept: Callable[[str], bool] | None = None) -> Match | None:
        found = self._match(tok, accept)
        if found is None and "-" in tok.lemma:  # "мама-драконица", "принц-лягушка": the last part first
            from engine.images.backends.composer.words import tokens

            for part in reversed(tokens(tok.lemma.replace("-", " "), self.english_words)):
                found = self._match(replace(part, surface=tok.surface), accept)
                if found is not None:
                    break
        return found

    def _match(self, tok: Token, accept: Callable[[str], bool] | None = None) -> Match | None:
        """The drawing for one word, or None when nothing fits well enough.

        ``accept`` vets clip-art candidates (the composer rejects ones drawn on an opaque box)."""
        lemma = tok.lemma
        word = self.curated(lemma, tok.lang)
        if word is None and tok.name_gender:  # a first name: a girl or a boy
            word = wordmap.RU["девочка"] if tok.name_gender == "femn" else wordmap.RU["мальчик"]
        if word is not None:
            asset_id = self.annotation.get(word.asset.lower())
            if asset_id is not None:
                return Match(
                    tok.surface, lemma, asset_id, "openmoji", word.kind, word.size, word.en, 20.0, True
                )
        if not tok.noun or lemma in RU_STOP or lemma in EN_STOP:
            return None
        if tok.lang == "en" and lemma.endswith(("ing", "ed", "ly", "ful", "ous")):
            return None  # English has no morphology here: skip the obvious verbs and adjectives
        hits = self.terms.get(lemma, [])
        floor = self.MIN_OPENMOJI if tok.lang == "ru" else self.MIN_OPENMOJI_EN
        best_om = next(((i, s) for i, s in hits if i.startswith("openmoji:") and s >= floor), None)
        best = best_om or next(
            (
                (i, s)
                for i, s in hits[:4]
                if i.startswith("openclipart:") and s >= self.MIN_CLIPART and (accept is None or accept(i))
            ),
            None,
        )
        if best is None:
            return None
        asset_id, score = best
        info = self.assets[asset_id]
        kind = info["kind"]
        en = lemma if tok.lang == "en" else info["name"].split(":")[0]
        return Match(tok.surface, lemma, asset_id, info["source"], kind, DEFAULT_SIZE[kind], en, score, False)

    def emoji_matches(self, text: str) -> list[Match]:
        """Emoji typed into a story ("🐉 и 🏰") are drawings already: the same picture, in OpenMoji."""
        table: dict[str, str] = self.data.get("emoji", {})
        if not table or not text:
            return []
        longest = max(map(len, table))
        out: list[Match] = []
        i = 0
        while i < len(text):
            if ord(text[i]) < 0x2000:  # letters, digits, punctuation: not an emoji
                i += 1
                continue
            for n in range(min(longest, len(text) - i), 0, -1):
                asset_id = table.get(text[i : i + n]) or table.get(text[i : i + n].replace("\ufe0f", ""))
                if asset_id is not None:
                    info = self.assets[asset_id]
                    name = info["name"].split(":")[0]
                    kind = info["kind"]
                    out.append(
                        Match(
                            text[i : i + n],
                            name,
                            asset_id,
                            "openmoji",
                            kind,
                            DEFAULT_SIZE[kind],
                            name,
                            10.0,
                            False,
                        )
                    )
                    i += n
                    break
            else:
                i += 1
        return out

    def info(self, asset_id: str) -> dict:
        return self.assets[asset_id]
