"""Queue positions and engine progress as the job's status message (cheap: StatusMessage throttles)."""

from __future__ import annotations

import time

from bot.jobs.record import JobRecord
from bot.keyboards import cancel_keyboard
from bot.progress import human_duration, render_progress
from bot.texts import Raw, t
from engine.progress import Progress


def show_position(record: JobRecord, position: int, avg_job_seconds: float) -> None:
    """0 = the job started; 1.. = its place in line, with an estimate of the wait."""
    lang, keyboard = record.lang, cancel_keyboard(record.story_id, record.lang)
    if position == 0:
        record.started = record.started or time.monotonic()
        record.status.show(t(lang, "starting", title=record.title), keyboard)
        return
    eta = (
        t(lang, "eta_about", eta=human_duration(lang, position * avg_job_seconds))
        if avg_job_seconds > 0
        else ""
    )
    record.status.show(t(lang, "queued", title=record.title, position=position, eta=Raw(eta)), keyboard)


def show_progress(record: JobRecord, p: Progress) -> bool:
    """Show ``p``; True when it is the first event of its stage (worth writing to the story row)."""
    record.progress = p
    first = p.stage not in record.stages_seen
    record.stages_seen.add(p.stage)
    elapsed = time.monotonic() - (record.started or time.monotonic())
    record.status.show(
        render_progress(record.lang, record.title, p, elapsed), cancel_keyboard(record.story_id, record.lang)
    )
    return first
