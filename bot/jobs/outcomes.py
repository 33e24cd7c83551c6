"""How a job ended → what the database records and what the user reads, as one table.

Each row: the exception type, the job status to store, the text key, whether to offer Retry, and
how to find the stage and the error note. The first row whose type matches wins, so the catch-all
``Exception`` row comes last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup

from bot.jobs.record import JobRecord
from bot.keyboards import retry_keyboard
from bot.texts import Raw, stage_name, t
from engine.errors import Cancelled, PromptError, StageError
from engine.jobs import JobTimeout
from storage.models import JobStatus


def _current(err: BaseException, record: JobRecord) -> str | None:
    return record.stage


def _text(err: BaseException, record: JobRecord) -> str | None:
    return "text"


def _own(err: BaseException, record: JobRecord) -> str | None:
    return getattr(err, "stage", None) or record.stage


def _none(err: BaseException, record: JobRecord) -> str | None:
    return None


@dataclass(frozen=True)
class Outcome:
    status: JobStatus
    text_key: str
    retry: bool
    stage: Callable[[BaseException, JobRecord], str | None]


OUTCOMES: tuple[tuple[type[BaseException], Outcome], ...] = (
    (Cancelled, Outcome(JobStatus.CANCELLED, "cancelled", retry=False, stage=_none)),
    (JobTimeout, Outcome(JobStatus.TIMEOUT, "timeout", retry=True, stage=_current)),
    (PromptError, Outcome(JobStatus.FAILED, "prompt_bad", retry=False, stage=_text)),
    (StageError, Outcome(JobStatus.FAILED, "failed", retry=True, stage=_own)),
    (Exception, Outcome(JobStatus.FAILED, "failed", retry=True, stage=_current)),
)


def outcome_of(err: BaseException) -> Outcome:
    return next(row for kind, row in OUTCOMES if isinstance(err, kind))


def error_note(err: BaseException) -> str | None:
    """What the job row keeps as its error: the engine's message, or the type for surprises."""
    if isinstance(err, Cancelled):
        return None
    if isinstance(err, StageError):
        return err.message
    if isinstance(err, PromptError | JobTimeout):
        return str(err)
    return f"{type(err).__name__}: {err}"


def user_message(err: BaseException, record: JobRecord) -> tuple[str, InlineKeyboardMarkup | None]:
    """The final status text (and Retry button where it helps) for a job that ended in ``err``."""
    row = outcome_of(err)
    lang = record.lang
    stage = Raw(stage_name(lang, row.stage(err, record)))
    hint = getattr(err, "hint", "") or (
        str(err) if isinstance(err, PromptError) else t(lang, "failed_generic")
    )
    text = t(lang, row.text_key, title=record.title, stage=stage, hint=hint)
    return text, retry_keyboard(record.story_id, lang) if row.retry else None
