"""One record per job the bot is following (instead of four dicts keyed by story id)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.progress import StatusMessage
from engine.progress import Progress


@dataclass
class JobRecord:
    story_id: int
    job_id: int
    chat_id: int
    lang: str
    title: str  # shortened, for status lines
    status: StatusMessage
    started: float | None = None  # monotonic time the job started running
    progress: Progress | None = None  # the last progress event
    stages_seen: set[str] = field(default_factory=set)  # stages already written to the story row

    @property
    def stage(self) -> str:
        """The stage the job is in (or failed in): the last one reported, "text" before any."""
        return self.progress.stage if self.progress else "text"
