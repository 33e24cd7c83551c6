"""Fixtures of the upscale tests (helpers live in upscale_helpers.py, importable by name)."""

from __future__ import annotations

import pytest
from upscale_helpers import FakeUpscaler

from engine.upscale.backends import clear_cache


@pytest.fixture
def fake_upscaler() -> FakeUpscaler:
    return FakeUpscaler()


@pytest.fixture
def fresh_upscalers():
    """For tests that monkeypatch where files are: build upscalers anew, and forget them after."""
    clear_cache()
    yield
    clear_cache()
