"""Fixtures of the upscale tests (helpers live in upscale_helpers.py, importable by name)."""

from __future__ import annotations

import pytest
from upscale_helpers import FakeUpscaler

from engine.upscale.registry import clear_cache


@pytest.fixture
def fake_upscaler() -> FakeUpscaler:
    return FakeUpscaler()


@pytest.fixture(autouse=True)
def _fresh_upscaler_cache():
    """Every test builds its own upscalers, so a monkeypatched file location cannot leak."""
    clear_cache()
    yield
    clear_cache()
