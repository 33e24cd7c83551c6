"""The asset index finds story nouns in both languages and never turns text into a path."""

from __future__ import annotations

import pytest

from engine.images.backends.composer.index import asset_file
from engine.images.backends.composer.words import tokens

TWINS = {
    "дракон": "dragon",
    "кот": "cat",
    "замок": "castle",
    "лес": "forest",
    "море": "sea",
    "король": "king",
}


def _match(index, word):
    return index.match(tokens(word, index.english_words)[0])


@pytest.mark.parametrize(("ru", "en"), TWINS.items())
def test_russian_and_english_twins_find_the_same_drawing(image_index, ru, en):
    ru_match, en_match = _match(image_index, ru), _match(image_index, en)
    assert ru_match is not None and en_match is not None
    assert ru_match.asset_id == en_match.asset_id
    assert ru_match.en == en
    assert asset_file(ru_match.asset_id).is_file()


def test_expected_drawings(image_index):
    names = {w: image_index.info(_match(image_index, w).asset_id)["name"] for w in TWINS}
    assert names["дракон"] == "dragon"
    assert names["кот"] == "cat"
    assert names["замок"] == "castle"  # not "locked" (CLDR also files замок under lock)
    assert names["король"] == "person with crown"


def test_inflected_and_plural_forms(image_index):
    assert _match(image_index, "драконами").en == "dragon"
    assert _match(image_index, "котом").en == "cat"
    assert _match(image_index, "wolves").en == "wolf"
    assert _match(image_index, "witches").en == "witch"


def test_index_has_russian_annotations_beyond_the_word_map(image_index):
    # CLDR's Russian keywords reach emoji the curated map does not list
    hits = image_index.search("карандаш")
    assert hits and image_index.info(hits[0][0])["name"] == "pencil"
    assert image_index.data["openmoji_count"] > 1000


def test_openclipart_is_indexed_as_fallback(image_index):
    if image_index.data["openclipart_count"] == 0:
        pytest.skip("Debian openclipart-svg is not installed here")
    sources = {a["source"] for a in image_index.assets.values()}
    assert sources == {"openmoji", "openclipart"}


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "/etc/shadow",
        "C:\\Windows\\system32",
        "'; rm -rf / #",
        '"quoted"',
        "🐉🔥",
        "\x00\n\t",
    ],
)
def test_hostile_text_never_becomes_a_path(image_index, hostile):
    for tok in tokens(hostile, image_index.english_words):
        m = image_index.match(tok)
        if m is not None:  # e.g. "etc" must not, but if a word matched, its id comes from the index
            assert m.asset_id in image_index.assets
    with pytest.raises(KeyError):
        asset_file(hostile)
    with pytest.raises(KeyError):
        asset_file("openmoji:../../../../etc/passwd")


def test_ensure_assets_is_fast_once_done(image_index):
    import time

    from engine.images.backends.composer.index import ensure_assets, index_path

    t0 = time.perf_counter()
    ensure_assets()
    assert time.perf_counter() - t0 < 0.5
    assert index_path().is_file()
