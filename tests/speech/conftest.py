"""Fixtures for the narration block's tests: a private data home so nothing touches ~/.cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    """Each test gets its own DIGITELLER_HOME / model cache (the Silero tests put files there)."""
    monkeypatch.setenv("DIGITELLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("DIGITELLER_ALLOW_DOWNLOADS", raising=False)
    from engine.speech import voices

    monkeypatch.setattr(voices, "_cache", None)  # the catalogue's short-lived cache: start fresh
    return tmp_path
