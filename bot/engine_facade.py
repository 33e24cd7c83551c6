"""The few engine calls the bot makes, behind one object passed as dispatcher data.

Why a facade: the bot must not import heavy engine modules at start (models load lazily) and tests
must be able to swap in a fast fake engine without monkeypatching. Production uses RealEngine,
which imports engine.pipeline / engine.text / engine.speech only when first needed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from engine.jobs import PipelineEngine
from engine.progress import CancelToken, Progress
from engine.story import Story, StoryRequest


class Engine(Protocol):
    def run_story(
        self,
        request: StoryRequest,
        folder: Path,
        on_progress: Callable[[Progress], None],
        cancel: CancelToken,
    ) -> Story: ...

    def revoice(
        self, folder: Path, voice: str, on_progress: Callable[[Progress], None], cancel: CancelToken
    ) -> Story: ...

    def validate_prompt(self, prompt: str) -> str: ...

    def detect_language(self, text: str) -> str: ...

    def voices_for(self, lang: str) -> list[Any]: ...

    def default_voice(self, lang: str) -> str | None: ...


class RealEngine(PipelineEngine):
    """Production wiring: the pipeline's jobs as the workers run them (engine.jobs.PipelineEngine),
    and the engine's prompt and voice helpers, each imported on first use."""

    def validate_prompt(self, prompt: str) -> str:
        from engine import text

        return text.validate_prompt(prompt)

    def detect_language(self, text: str) -> str:
        from engine import text as text_block

        return text_block.detect_language(text)

    def voices_for(self, lang: str) -> list[Any]:
        from engine import speech

        return [v for v in speech.voices_for(lang) if getattr(v, "available", True)]

    def default_voice(self, lang: str) -> str | None:
        from engine import speech

        return speech.default_voice(lang)
