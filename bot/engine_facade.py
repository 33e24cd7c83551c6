"""The few engine calls the bot makes, behind one object passed as dispatcher data.

Why a facade: the bot must not import heavy engine modules at start (models load lazily) and tests
must be able to swap in a fast fake engine without monkeypatching. Production uses RealEngine,
which imports engine.pipeline / engine.text / engine.speech only when first needed.
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.jobs import PipelineEngine, StoryEngine


class Engine(StoryEngine, Protocol):
    """What the bot needs of the engine: the jobs' two calls (engine.jobs.StoryEngine) and the
    prompt and voice helpers the handlers use before a job exists."""

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
