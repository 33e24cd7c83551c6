"""Queries the bot needs, in one place so handlers read like sentences.

All functions take an AsyncSession and leave committing to the caller (the per-update middleware
commits at the end of an update; background work uses ``async with factory.begin()``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    JOB_COUNTED,
    JOB_UNFINISHED,
    Job,
    JobStatus,
    StageTiming,
    Story,
    StoryStatus,
    User,
    utcnow,
)


async def get_or_create_user(
    session: AsyncSession,
    user_id: int,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
) -> User:
    """The user's row, created on first contact.

    Two first updates of a new user are handled concurrently, so the insert must tolerate the
    other one winning: INSERT … ON CONFLICT DO NOTHING, then read.
    """
    user = await session.get(User, user_id)
    if user is not None:
        return user
    lang = "ru" if (language_code or "").lower().startswith(("ru", "uk", "be", "kk")) else "en"
    now = utcnow()
    await session.execute(
        sqlite_insert(User)
        .values(
            id=user_id,
            first_name=first_name[:256],
            username=username,
            language=lang,
            language_chosen=False,
            aspect="16:9",
            length="medium",
            awaiting_prompt=False,
            blocked=False,
            created_at=now,
            last_seen=now,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


def _language(language_code: str | None) -> str:
    return "ru" if (language_code or "").lower().startswith(("ru", "uk", "be", "kk")) else "en"


async def load_or_create_users(session: AsyncSession, wanted: dict[int, dict[str, Any]]) -> dict[int, User]:
    """Rows of many users at once, created where missing (first contact) and marked seen.

    ``wanted``: user id → first_name, username, language_code from Telegram. One SELECT, one
    multi-row INSERT … ON CONFLICT DO NOTHING (a concurrent first contact may win), one SELECT of
    what was inserted; users unseen for 5 minutes or marked blocked get ``last_seen`` = now and
    ``blocked`` = False (they wrote to us). The caller commits.
    """
    if not wanted:
        await session.execute(select(User.id).where(User.id == 0))
        return {}
    ids = list(wanted)
    found = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(ids)))}
    now = utcnow()
    missing = [uid for uid in ids if uid not in found]
    if missing:
        rows = [
            {
                "id": uid,
                "first_name": str(wanted[uid].get("first_name") or "")[:256],
                "username": wanted[uid].get("username"),
                "language": _language(wanted[uid].get("language_code")),
                "language_chosen": False,
                "aspect": "16:9",
                "length": "medium",
                "awaiting_prompt": False,
                "blocked": False,
                "created_at": now,
                "last_seen": now,
            }
            for uid in missing
        ]
        await session.execute(sqlite_insert(User).values(rows).on_conflict_do_nothing(index_elements=["id"]))
        found.update({u.id: u for u in await session.scalars(select(User).where(User.id.in_(missing)))})
    for user in found.values():
        if user.blocked or now - user.last_seen > timedelta(minutes=5):
            user.blocked, user.last_seen = False, now
    return found


async def create_story(session: AsyncSession, **fields: object) -> Story:
    story = Story(**fields)
    session.add(story)
    await session.flush()
    return story


async def claim_draft(session: AsyncSession, story_id: int, voice: str) -> bool:
    """Atomically turn a draft into a queued story; False if someone (a double tap) got there first."""
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.DRAFT)
        .values(status=StoryStatus.QUEUED, voice=voice)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def cancel_draft(session: AsyncSession, story_id: int) -> bool:
    """A draft the user cancelled before choosing a narrator; False if it is no longer a draft."""
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.DRAFT)
        .values(status=StoryStatus.CANCELLED)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def claim_retry(session: AsyncSession, story_id: int) -> bool:
    """A failed or cancelled story goes back to the queue; False if a double tap got there first."""
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status.in_((StoryStatus.FAILED, StoryStatus.CANCELLED)))
        .values(status=StoryStatus.QUEUED)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def create_job(session: AsyncSession, story: Story, kind: str | None = None) -> Job:
    job = Job(story_id=story.id, kind=kind or story.kind, status=JobStatus.QUEUED)
    session.add(job)
    story.status = StoryStatus.QUEUED
    story.failed_stage = None
    story.error = None
    await session.flush()
    return job


async def requeue_job(session: AsyncSession, job: Job, story: Story) -> None:
    """A job taken up again after a restart: same row, same story folder."""
    job.status = JobStatus.QUEUED
    story.status = StoryStatus.QUEUED


async def mark_running(session: AsyncSession, job_id: int, story_id: int) -> None:
    job = await session.get(Job, job_id)
    story = await session.get(Story, story_id)
    if job is not None and job.status == JobStatus.QUEUED:
        job.status, job.started_at = JobStatus.RUNNING, utcnow()
    if story is not None and story.status == StoryStatus.QUEUED:
        story.status = StoryStatus.RUNNING


async def finish_unsuccessful(
    session: AsyncSession,
    job_id: int,
    story_id: int,
    outcome: JobStatus,
    stage: str | None = None,
    error: str | None = None,
) -> None:
    """Close a job that produced no video: the story becomes CANCELLED (if the job was) or FAILED."""
    job = await session.get(Job, job_id)
    story = await session.get(Story, story_id)
    assert job is not None and story is not None
    now = utcnow()
    job.status, job.finished_at, job.failed_stage, job.error = outcome, now, stage, error
    story.status = StoryStatus.CANCELLED if outcome == JobStatus.CANCELLED else StoryStatus.FAILED
    story.failed_stage, story.error, story.finished_at = stage, error, now


async def finish_done(
    session: AsyncSession,
    job_id: int,
    story_id: int,
    title: str,
    text: str,
    video_file: str,
    timings: dict[str, float],
) -> tuple[Job, Story]:
    """Record a finished video (before it is sent: delivery is tracked on its own)."""
    job = await session.get(Job, job_id)
    story = await session.get(Story, story_id)
    assert job is not None and story is not None
    now = utcnow()
    job.status, job.finished_at = JobStatus.DONE, now
    await record_timings(session, job_id, timings)
    story.status, story.finished_at, story.stage = StoryStatus.DONE, now, "video"
    story.title, story.text, story.video_file = title, text, video_file
    return job, story


async def interrupt_job(session: AsyncSession, job: Job, story: Story, error: str) -> None:
    """A job a restart could not take up again: the user is offered a retry."""
    job.status, job.finished_at = JobStatus.INTERRUPTED, utcnow()
    job.failed_stage, job.error = story.stage, error
    story.status, story.failed_stage, story.error = StoryStatus.FAILED, story.stage, error


async def set_stage(session: AsyncSession, story_id: int, stage: str) -> None:
    story = await session.get(Story, story_id)
    if story is not None:
        story.stage = stage


async def set_status_message(session: AsyncSession, story_id: int, message_id: int) -> None:
    story = await session.get(Story, story_id)
    if story is not None:
        story.status_message_id = message_id


async def start_delivery(session: AsyncSession, story_id: int) -> bool:
    """Mark the upload as begun; False if another delivery already began (exactly once)."""
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.delivery_started_at.is_(None))
        .values(delivery_started_at=utcnow())
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def record_delivery(
    session: AsyncSession, story_id: int, file_id: str, sent_as: str, size: int
) -> None:
    story = await session.get(Story, story_id)
    if story is not None:
        story.telegram_file_id, story.sent_as, story.file_size = file_id, sent_as, size


async def undelivered_stories(session: AsyncSession) -> list[Story]:
    """Finished stories whose upload never began (the process stopped between finishing and sending)."""
    rows = await session.scalars(
        select(Story)
        .join(User, User.id == Story.user_id)
        .where(
            Story.status == StoryStatus.DONE,
            Story.telegram_file_id.is_(None),
            Story.delivery_started_at.is_(None),
            User.blocked.is_(False),
        )
        .order_by(Story.id)
    )
    return list(rows)


async def mark_blocked(session: AsyncSession, user_id: int) -> None:
    user = await session.get(User, user_id)
    if user is not None:
        user.blocked = True


async def unfinished_jobs(session: AsyncSession) -> list[Job]:
    rows = await session.scalars(select(Job).where(Job.status.in_(JOB_UNFINISHED)).order_by(Job.id))
    return list(rows)


async def active_job_for_story(session: AsyncSession, story_id: int) -> Job | None:
    return await session.scalar(
        select(Job).where(Job.story_id == story_id, Job.status.in_(JOB_UNFINISHED)).order_by(Job.id.desc())
    )


async def recent_stories(session: AsyncSession, user_id: int, limit: int = 10) -> list[Story]:
    rows = await session.scalars(
        select(Story)
        .where(Story.user_id == user_id, Story.status != StoryStatus.DRAFT)
        .order_by(Story.id.desc())
        .limit(limit)
    )
    return list(rows)


async def record_timings(session: AsyncSession, job_id: int, timings: dict[str, float]) -> None:
    for stage, seconds in timings.items():
        session.add(StageTiming(job_id=job_id, stage=stage, seconds=float(seconds)))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Stats:
    users: int = 0
    stories_today: int = 0
    stories_total: int = 0
    jobs_finished: int = 0
    jobs_done: int = 0
    failures_by_stage: dict[str, int] = field(default_factory=dict)
    stage_avg: dict[str, float] = field(default_factory=dict)
    stage_p95: dict[str, float] = field(default_factory=dict)
    avg_job_seconds: float = 0.0

    @property
    def success_rate(self) -> float:
        return self.jobs_done / self.jobs_finished if self.jobs_finished else 0.0


async def stats(session: AsyncSession, now: datetime | None = None) -> Stats:
    now = now or utcnow()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    s = Stats()
    s.users = await session.scalar(select(func.count()).select_from(User)) or 0
    real = Story.status != StoryStatus.DRAFT
    s.stories_total = await session.scalar(select(func.count()).select_from(Story).where(real)) or 0
    s.stories_today = (
        await session.scalar(
            select(func.count()).select_from(Story).where(real, Story.created_at >= day_start)
        )
        or 0
    )
    finished = list(
        await session.execute(
            select(Job.status, Job.failed_stage, Job.started_at, Job.finished_at).where(
                Job.status.in_(JOB_COUNTED)
            )
        )
    )
    s.jobs_finished = len(finished)
    s.jobs_done = sum(1 for row in finished if row.status == JobStatus.DONE)
    s.failures_by_stage = dict(
        Counter((row.failed_stage or row.status) for row in finished if row.status != JobStatus.DONE)
    )
    durations = [
        (row.finished_at - row.started_at).total_seconds()
        for row in finished
        if row.status == JobStatus.DONE and row.started_at and row.finished_at
    ]
    s.avg_job_seconds = sum(durations) / len(durations) if durations else 0.0
    per_stage: dict[str, list[float]] = {}
    for stage, seconds in await session.execute(select(StageTiming.stage, StageTiming.seconds)):
        per_stage.setdefault(stage, []).append(seconds)
    s.stage_avg = {k: sum(v) / len(v) for k, v in per_stage.items()}
    s.stage_p95 = {k: percentile(v, 95) for k, v in per_stage.items()}
    return s


async def average_job_seconds(session: AsyncSession, default: float = 120.0) -> float:
    """Mean wall time of recent successful jobs, for queue estimates."""
    rows = list(
        await session.execute(
            select(Job.started_at, Job.finished_at)
            .where(Job.status == JobStatus.DONE, Job.started_at.is_not(None), Job.finished_at.is_not(None))
            .order_by(Job.id.desc())
            .limit(20)
        )
    )
    values = [(b - a).total_seconds() for a, b in rows if a is not None and b is not None]
    return sum(values) / len(values) if values else default


def age(dt: datetime | None, now: datetime | None = None) -> timedelta:
    return (now or utcnow()) - dt if dt else timedelta(0)
