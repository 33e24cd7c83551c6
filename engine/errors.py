"""Errors the engine raises on purpose: each names the stage and says what the user can do."""

from __future__ import annotations


class EngineError(Exception):
    """Base of the engine's own errors."""


class PromptError(EngineError):
    """The prompt cannot become a story (empty, only symbols, …). ``hint`` says what to send instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class StageError(EngineError):
    """A pipeline stage failed. ``stage`` is one of engine.story.STAGES."""

    def __init__(self, stage: str, message: str, hint: str = "") -> None:
        super().__init__(f"[{stage}] {message}")
        self.stage = stage
        self.message = message
        self.hint = hint


class BackendUnavailable(EngineError):
    """A backend's weights, binary or package is missing; ``reason`` says which and how to get it."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend}: {reason}")
        self.backend = backend
        self.reason = reason


class Cancelled(EngineError):
    """The job was cancelled; raised from CancelToken.check() inside long work."""
