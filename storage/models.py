"""Tables: who uses the bot, what they asked for, every attempt to make it, and how long stages took.

A *story* is one video a user asked for (a re-voice is a new story pointing at its parent). A *job*
is one attempt to make a story (retries and resumes after a restart are new attempts or count on
the same row), which is what the admin statistics are computed from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored naive UTC: SQLite has no time zones


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class StoryStatus(StrEnum):
    """Where a story is. Every writer uses these (a StrEnum, so the column stays plain text).

    DRAFT = prompt stored, narrator not chosen yet; QUEUED/RUNNING = a job is on it; DONE = the video
    exists (delivery is tracked separately by ``telegram_file_id`` / ``delivery_started_at``).
    """

    DRAFT = "draft"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobStatus(StrEnum):
    """One attempt's outcome; QUEUED and RUNNING are the unfinished ones a restart picks up."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"


JOB_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
#: Jobs that count in /stats' success rate (cancelled and rejected ones were never really tried).
JOB_COUNTED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.TIMEOUT, JobStatus.INTERRUPTED)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Telegram id
    first_name: Mapped[str] = mapped_column(String(256), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")  # interface language
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)  # set in /settings
    voice_ru: Mapped[str | None] = mapped_column(String(64))  # last / default narrator per language
    voice_en: Mapped[str | None] = mapped_column(String(64))
    aspect: Mapped[str] = mapped_column(String(8), default="16:9")
    length: Mapped[str] = mapped_column(String(16), default="medium")
    awaiting_prompt: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)  # the user blocked the bot
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    stories: Mapped[list[Story]] = relationship(back_populates="user")

    def voice_for(self, lang: str) -> str | None:
        return self.voice_ru if lang == "ru" else self.voice_en

    def remember_voice(self, lang: str, voice: str | None) -> None:
        if lang == "ru":
            self.voice_ru = voice
        else:
            self.voice_en = voice


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16), default="story")  # story | revoice
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    prompt: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    voice: Mapped[str | None] = mapped_column(String(64))
    offered_voices: Mapped[list[Any]] = mapped_column(JSON, default=list)  # what the buttons meant
    aspect: Mapped[str] = mapped_column(String(8), default="16:9")
    duration: Mapped[float] = mapped_column(Float, default=75.0)
    status: Mapped[str] = mapped_column(String(16), default=StoryStatus.DRAFT, index=True)
    stage: Mapped[str | None] = mapped_column(String(16))  # current or last stage
    failed_stage: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    video_file: Mapped[str | None] = mapped_column(Text)  # relative to folder
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    telegram_file_id: Mapped[str | None] = mapped_column(String(256))
    sent_as: Mapped[str | None] = mapped_column(String(16))  # video | document
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Set just before the video upload starts: a story that is DONE with no file id and no
    # delivery_started_at still has to be sent (after a restart); one with delivery_started_at but
    # no file id may have reached the user already, so it is not sent a second time on its own.
    delivery_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="stories")
    jobs: Mapped[list[Job]] = relationship(back_populates="story", order_by="Job.id")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="story")  # story | revoice
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)  # JobStatus
    resumes: Mapped[int] = mapped_column(Integer, default=0)  # restarts survived
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_stage: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)

    story: Mapped[Story] = relationship(back_populates="jobs")
    timings: Mapped[list[StageTiming]] = relationship(back_populates="job")


class StageTiming(Base):
    __tablename__ = "stage_timings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    seconds: Mapped[float] = mapped_column(Float)

    job: Mapped[Job] = relationship(back_populates="timings")
