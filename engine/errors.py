"""Errors the engine raises on purpose: each names the stage and says what the user can do.

Each error pickles as itself (``__reduce__`` gives back the constructor's arguments, not the
formatted message), so an error raised in a worker process arrives in the parent with its class,
stage, message and hint intact — no hand-made rebuild needed.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of the engine's own errors."""


class PromptError(EngineError):
    """The prompt cannot become a story (empty, only symbols, …). ``hint`` says what to send instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.hint), self.__dict__)


class StageError(EngineError):
    """A pipeline stage failed. ``stage`` is one of engine.story.STAGES."""

    def __init__(self, stage: str, message: str, hint: str = "") -> None:
        super().__init__(f"[{stage}] {message}")
        self.stage = stage
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.stage, self.message, self.hint), self.__dict__)


class BackendUnavailable(EngineError):
    """A backend's weights, binary or package is missing; ``reason`` says which and how to get it."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend}: {reason}")
        self.backend = backend
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.backend, self.reason), self.__dict__)


class Cancelled(EngineError):
    """The job was cancelled; raised from CancelToken.check() inside long work."""


class FolderBusy(EngineError):
    """Another runner (this process or another, on this machine or another sharing the volume) is
    working on the story folder right now. ``holder`` says who, as far as the lock file tells.

    Pickleable (the bot's job process sends errors back to the bot): ``__reduce__`` keeps the fields.
    """

    def __init__(self, folder: str, holder: str = "", hint: str = "") -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(f"the story folder {folder} is in use by another runner{who}")
        self.folder = folder
        self.holder = holder
        self.hint = hint or (
            "Wait for that run to finish, or cancel it; the folder is freed the moment its runner "
            "exits, even if it crashed."
        )

    def __reduce__(self) -> tuple[type[FolderBusy], tuple[str, str, str]]:
        return (type(self), (self.folder, self.holder, self.hint))
