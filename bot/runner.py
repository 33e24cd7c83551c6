"""StoryRunner: from a chosen narrator to a delivered video, surviving errors and restarts.

It ties small parts together (see bot/jobs/): the job row is written (and committed) before the
job enters the queue (queue submission); positions and progress become edits of one status message
(bot/jobs/display.py); every status change goes through storage/repo.py; the outcome becomes a
message by one table (bot/jobs/outcomes.py); the video goes out through bot/delivery.py.

The queue is either the in-process one (engine.queue.LocalQueue, the default) or the Redis one
(engine.distqueue.RedisQueue, when QUEUE_URL is set): the same interface, so nothing here cares.
On start, jobs a previous process left unfinished are followed again (Redis: the job kept running
on a worker) or resubmitted with the same story folder (the engine skips stages already done), or
the user is told and offered a retry when they cannot be; finished stories whose upload never
began are sent.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery
from bot.engine_facade import Engine
from bot.jobs.display import show_position, show_progress
from bot.jobs.outcomes import error_note, outcome_of, user_message
from bot.jobs.record import JobRecord
from bot.jobs.spec import spec_for
from bot.keyboards import retry_keyboard
from bot.progress import StatusMessage
from bot.settings import Settings
from bot.telegram_io import RateLimiter
from bot.texts import shorten, t
from engine.errors import EngineError
from engine.jobs import JobResult, JobSpec
from engine.progress import Progress
from engine.queue import JobHandle, LocalQueue, QueueRejected, QueueStopped
from storage import repo
from storage.models import Job, JobStatus, Story, StoryStatus, User

log = logging.getLogger(__name__)


def make_queue(settings: Settings, engine: Engine) -> Any:
    """The queue the settings ask for: Redis when QUEUE_URL is set, else this machine."""
    if settings.queue_url:
        from engine.distqueue import RedisQueue

        return RedisQueue(
            settings.queue_url,
            max_waiting=settings.max_waiting,
            per_user_waiting=settings.per_user_waiting,
            time_limit=settings.job_time_limit,
        )
    return LocalQueue(
        engine,
        settings.data_dir,
        settings.workers,
        settings.max_waiting,
        settings.per_user_waiting,
        settings.job_time_limit,
        settings.executor,
    )


class StoryRunner:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sessions: async_sessionmaker[AsyncSession],
        queue: Any | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.queue = queue or make_queue(settings, engine)
        self.bot: Bot | None = None
        self.delivery: Delivery | None = None
        self.limiter = RateLimiter(25.0)
        self.jobs: dict[int, JobRecord] = {}  # story id → the job the bot is following
        self._tasks: set[asyncio.Task[Any]] = set()
        self._avg_job = 120.0

    # ================================================================== life cycle
    async def start(self, bot: Bot) -> None:
        self.bot = bot
        self.delivery = Delivery(bot, self.sessions, self.settings.upload_limit)
        await self.queue.start()
        async with self.sessions() as s:
            self._avg_job = await repo.average_job_seconds(s)
        await self.resume_unfinished()
        await self.deliver_pending()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the queue; unfinished jobs stay unfinished in the database for the next start."""
        await self.queue.stop(grace)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        for record in list(self.jobs.values()):
            await record.status.close()
        self.jobs.clear()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def story_folder(self, story_id: int) -> Path:
        return (self.settings.stories_dir / f"{story_id:06d}").resolve()

    # ================================================================== queue submission
    async def enqueue(
        self, story_id: int, status_message_id: int | None = None, resumed_job: int | None = None
    ) -> str:
        """Write the job, queue it, show its status. Returns "queued", "busy" or "user_limit"."""
        spec, record = await self._prepare(story_id, status_message_id, resumed_job)
        handle: JobHandle | None = None
        if resumed_job is not None:
            handle = await self.queue.follow(spec, *self._listeners(record))
        if handle is None:
            try:
                handle = await self.queue.submit(
                    spec, *self._listeners(record), force=resumed_job is not None
                )
            except QueueRejected as err:
                return await self._rejected(record, err)
        self._spawn(self._follow(record, handle))
        return "queued"

    async def _prepare(
        self, story_id: int, status_message_id: int | None, resumed_job: int | None
    ) -> tuple[JobSpec, JobRecord]:
        assert self.bot is not None
        async with self.sessions.begin() as s:
            story = await s.get(Story, story_id)
            assert story is not None
            user = await s.get(User, story.user_id)
            if resumed_job is None:
                job = await repo.create_job(s, story)
            else:
                resumed = await s.get(Job, resumed_job)
                assert resumed is not None
                job = resumed
                await repo.requeue_job(s, job, story)
            if story.folder is None:
                story.folder = str(self.story_folder(story.id))
            if status_message_id is not None:
                story.status_message_id = status_message_id
            parent = await s.get(Story, story.parent_id) if story.parent_id else None
            spec = spec_for(story, parent, job.id, self.settings.data_dir, self.settings.job_time_limit)
            lang = user.language if user else "en"
            chat_id, title, message_id = (
                story.chat_id,
                shorten(story.title or story.prompt, 60),
                story.status_message_id,
            )
        # Committed: the job exists in the database before it enters the queue.
        status = StatusMessage(
            self.bot,
            chat_id,
            message_id,
            self.settings.progress_interval,
            self.limiter,
            on_new_message=lambda mid: self._spawn(self._write(repo.set_status_message, story_id, mid)),
        )
        record = JobRecord(story_id, spec.job_id, chat_id, lang, title, status)
        self.jobs[story_id] = record  # before submit: the queue reports the position at once
        return spec, record

    def _listeners(self, record: JobRecord) -> tuple[Any, Any]:
        return (lambda p: self._on_progress(record, p), lambda pos: self._on_position(record, pos))

    async def _rejected(self, record: JobRecord, err: QueueRejected) -> str:
        self.jobs.pop(record.story_id, None)
        async with self.sessions.begin() as s:
            await repo.finish_unsuccessful(
                s, record.job_id, record.story_id, JobStatus.REJECTED, None, str(err)
            )
            story = await s.get(Story, record.story_id)
            if story is not None:
                story.error = err.reason
        key = "busy" if err.reason == "busy" else "user_limit"
        markup = retry_keyboard(record.story_id, record.lang) if key == "busy" else None
        await record.status.finish(t(record.lang, key), markup)
        return err.reason

    # ================================================================== progress display
    def _on_position(self, record: JobRecord, position: int) -> None:
        if position == 0 and record.started is None:
            self._spawn(self._write(repo.mark_running, record.job_id, record.story_id))
        show_position(record, position, self._avg_job)

    def _on_progress(self, record: JobRecord, p: Progress) -> None:
        if show_progress(record, p):  # stages may run side by side: write each one once
            self._spawn(self._write(repo.set_stage, record.story_id, p.stage))

    async def _write(self, change: Any, *args: Any) -> None:
        async with self.sessions.begin() as s:
            await change(s, *args)

    # ================================================================== outcome
    async def _follow(self, record: JobRecord, handle: JobHandle) -> None:
        try:
            result: JobResult = await handle.future
        except QueueStopped:
            await record.status.close()  # shutting down: the job stays unfinished for the next start
            return
        except Exception as err:  # the outcome table decides what is stored and what the user reads
            row = outcome_of(err)
            if row.status == JobStatus.FAILED and not isinstance(err, EngineError):
                log.error("job %s failed unexpectedly: %r", record.job_id, err)
            async with self.sessions.begin() as s:
                await repo.finish_unsuccessful(
                    s, record.job_id, record.story_id, row.status, row.stage(err, record), error_note(err)
                )
            await record.status.finish(*user_message(err, record))
        else:
            await self._succeed(record, result)
        finally:
            if self.jobs.get(record.story_id) is record:
                del self.jobs[record.story_id]

    async def _succeed(self, record: JobRecord, result: JobResult) -> None:
        async with self.sessions.begin() as s:
            story = await s.get(Story, record.story_id)
            assert story is not None
            job, story = await repo.finish_done(
                s,
                record.job_id,
                record.story_id,
                result.title or story.prompt[:80],
                result.text,
                result.video_file,
                result.timings,
            )
            if job.started_at and job.finished_at:
                elapsed = (job.finished_at - job.started_at).total_seconds()
                self._avg_job = 0.7 * self._avg_job + 0.3 * elapsed
            folder, prompt = Path(story.folder or ""), story.prompt
        title = shorten(result.title or "", 200) or shorten(prompt, 200)
        await record.status.finish(t(record.lang, "done_status", title=shorten(title, 60)))
        assert self.delivery is not None
        await self.delivery.deliver(
            record.story_id, folder / (result.video_file or "video.mp4"), record.chat_id, record.lang, title
        )

    # ================================================================== cancel, history, admin
    def cancel(self, job_id: int) -> bool:
        return bool(self.queue.cancel(job_id))

    async def send_again(self, story: Story, lang: str) -> None:
        assert self.delivery is not None
        await self.delivery.send_again(story, lang)

    # ================================================================== restart
    async def resume_unfinished(self) -> None:
        """Follow or resume jobs a previous process left queued or running; tell users about the rest."""
        assert self.delivery is not None
        async with self.sessions.begin() as s:
            plan: list[tuple[int, int, bool, int, str, str]] = []
            for job in await repo.unfinished_jobs(s):
                story = await s.get(Story, job.story_id)
                assert story is not None
                user = await s.get(User, story.user_id)
                if not getattr(self.queue, "durable", False):  # Redis kept the job: following is no resume
                    job.resumes += 1
                ok = job.resumes <= self.settings.max_resumes and not (user and user.blocked)
                if not ok:
                    await repo.interrupt_job(s, job, story, "interrupted by a restart")
                title = shorten(story.title or story.prompt, 60)
                plan.append((job.id, story.id, ok, story.chat_id, user.language if user else "en", title))
        for job_id, story_id, ok, chat_id, lang, title in plan:
            if ok:
                log.info("resuming job %s (story %s) after a restart", job_id, story_id)
                await self.delivery.tell(chat_id, t(lang, "resumed", title=title))
                await self.enqueue(story_id, resumed_job=job_id)
            else:
                log.info("job %s cannot be resumed; offering a retry", job_id)
                await self.delivery.tell(
                    chat_id, t(lang, "interrupted", title=title), retry_keyboard(story_id, lang)
                )

    async def deliver_pending(self) -> None:
        """Stories finished by a previous process whose upload never began: send them now."""
        assert self.delivery is not None
        async with self.sessions() as s:
            stories = await repo.undelivered_stories(s)
            langs = {u.id: u.language for u in [await s.get(User, st.user_id) for st in stories] if u}
        for story in stories:
            if story.status != StoryStatus.DONE:
                continue
            title = shorten(story.title or story.prompt, 200)
            path = Path(story.folder or "") / (story.video_file or "video.mp4")
            if path.is_file():
                await self.delivery.deliver(
                    story.id, path, story.chat_id, langs.get(story.user_id, "en"), title
                )
