"""Tables: who uses the bot, what they asked for, every attempt to make it, and how long stages took.

A *story* is one video a user asked for (a re-voice is a new story pointing at its parent). A *job*
is one attempt to make a story (retries and resumes after a restart are new attempts or count on
the same row), which is what the admin statistics are computed from.
"""

from __future__ import annotations

from datetime import UTC, datetime
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


#: Story and job statuses. "draft" = prompt stored, narrator not chosen yet.
STORY_STATUSES = ("draft", "queued", "running", "done", "failed", "cancelled")
JOB_UNFINISHED = ("queued", "running")


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
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
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
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="stories")
    jobs: Mapped[list[Job]] = relationship(back_populates="story", order_by="Job.id")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="story")  # story | revoice
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # queued | running | done | failed | cancelled | timeout | rejected | interrupted
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
