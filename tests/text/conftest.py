"""Fakes for the text block's tests: scripted language models that need no weights."""

from __future__ import annotations

import json
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


class FakeChat:
    """A ChatBackend (instruct) that answers plan requests from ``plan`` and scene requests from ``scene``.

    ``plan`` is the JSON text (or any text) returned when a schema is asked for; ``names`` (JSON:
    ``title_ru`` and ``names_ru``) is added to the end of a plan that is a JSON object, as the model
    writes them there; ``scene`` is a function (request text, call number) → answer. Every call's
    messages are recorded.
    """

    instruct = True

    def __init__(
        self, plan: str | Callable[[dict], str], scene: Callable[[str, int], str], names: str = "{}"
    ):
        self.name = "fake-chat"
        self._plan = plan
        self._scene = scene
        self._names = names
        self.calls: list[dict] = []

    def chat(self, messages, *, max_tokens, seed, temperature=0.7, schema=None, stop=(), script=None):
        call = {
            "messages": list(messages),
            "max_tokens": max_tokens,
            "seed": seed,
            "schema": schema,
            "script": script,
        }
        self.calls.append(call)
        if schema is not None:
            answer = self._plan(schema) if callable(self._plan) else self._plan
            try:
                data = json.loads(answer)
            except ValueError:
                return answer
            return (
                json.dumps({**data, **json.loads(self._names)}, ensure_ascii=False)
                if isinstance(data, dict)
                else answer
            )
        scene_calls = sum(1 for c in self.calls if c["schema"] is None)
        return self._scene(messages[-1]["content"], scene_calls)


@pytest.fixture
def fake_chat():
    return FakeChat
