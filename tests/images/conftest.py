"""Fixtures for the images block tests: the real (npm/Debian) art, installed once per machine."""

from __future__ import annotations

import pytest

from engine.story import Scene, Story


@pytest.fixture(scope="session")
def image_index():
    """The real asset index (setup installs the art; ensure_assets is a no-op once done)."""
    from engine.images.backends.composer.index import AssetIndex, ensure_assets

    ensure_assets()
    return AssetIndex()


def _make_story(texts: list[str], prompt: str = "test", lang: str = "ru", seed: int = 1) -> Story:
    return Story(
        prompt=prompt,
        lang=lang,
        genre="fairy_tale",
        seed=seed,
        scenes=[Scene(index=i + 1, text=t) for i, t in enumerate(texts)],
    )


@pytest.fixture(scope="session")
def make_story():
    """Build a Story from scene texts (tests have no package, so helpers come as fixtures)."""
    return _make_story
