"""Fakes for the text block's tests: scripted language models that need no weights."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest


class ScriptedBackend:
    """A TextBackend whose continuations come from a script: a list (in order) or a function of the prompt.

    It records every prompt so tests can check what the writer showed the model.
    """

    name = "scripted-fake"

    def __init__(self, script: Sequence[str] | Callable[[str], str], fallback: str = "") -> None:
        self._script = script
        self._i = 0
        self.fallback = fallback
        self.prompts: list[str] = []

    def generate(
        self, prompt: str, *, max_tokens: int, seed: int, temperature: float = 0.8, stop=("\n",)
    ) -> str:
        self.prompts.append(prompt)
        if callable(self._script):
            return self._script(prompt)
        if self._i < len(self._script):
            self._i += 1
            return self._script[self._i - 1]
        return self.fallback


@pytest.fixture
def scripted():
    return ScriptedBackend


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own data home, so nothing reads or writes the user's caches."""
    monkeypatch.setenv("DIGITELLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
