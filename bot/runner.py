"""StoryRunner: from a chosen narrator to a delivered video, surviving errors and restarts.

It ties the pieces together: the job row is written (and committed) before the job enters the
engine queue; progress turns into edits of one status message; the outcome is written back with
stage timings; the video goes out within Telegram's limits. On start, jobs a previous process left
unfinished are resumed with the same story folder (the engine skips stages already done), or the
user is told and offered a retry when they cannot be.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Sent, TooLarge, resend, send_story_video
from bot.engine_facade import Engine
from bot.keyboards import cancel_keyboard, retry_keyboard, video_keyboard
from bot.progress import StatusMessage, human_duration, render_progress
from bot.settings import Settings
from bot.telegram_io import ChatGone, RateLimiter, send_retrying
from bot.texts import Raw, shorten, stage_name, t
from engine.errors import Cancelled, PromptError, StageError
from engine.progress import CancelToken, Progress
from engine.queue import JobQueue, JobTimeout, QueueRejected, QueueStopped
from engine.story import Story as EngineStory
from engine.story import StoryRequest
from storage import repo
from storage.models import Job, Story, User, utcnow

log = logging.getLogger(__name__)


class StoryRunner:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sessions: async_sessionmaker[AsyncSession],
        queue: JobQueue | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.queue = queue or JobQueue(
            settings.workers,
            settings.max_waiting,
            settings.per_user_waiting,
            settings.job_time_limit,
            settings.executor,
        )
        self.bot: Bot | None = None
        self.limiter = RateLimiter(25.0)
        self._status: dict[int, StatusMessage] = {}  # story id → its status message
        self._current: dict[int, Progress] = {}  # story id → last progress
        self._started: dict[int, float] = {}
        self._stages_seen: dict[int, set[str]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._avg_job = 120.0

    # ================================================================== life cycle
    async def start(self, bot: Bot) -> None:
        self.bot = bot
        await self.queue.start()
        async with self.sessions() as s:
            self._avg_job = await repo.average_job_seconds(s)
        await self.resume_unfinished()

    async def stop(self) -> None:
        """Stop the queue; unfinished jobs stay unfinished in the database for the next start."""
        await self.queue.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)
        for status in list(self._status.values()):
            await status.close()
        self._status.clear()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ================================================================== submitting
    def story_folder(self, story_id: int) -> Path:
        return (self.settings.stories_dir / f"{story_id:06d}").resolve()

    async def enqueue(
        self, story_id: int, status_message_id: int | None = None, resumed_job: int | None = None
    ) -> str:
        """Write the job, queue it, show its status. Returns "queued", "busy" or "user_limit"."""
        assert self.bot is not None
        async with self.sessions.begin() as s:
            story = await s.get(Story, story_id)
            assert story is not None
            user = await s.get(User, story.user_id)
            lang = user.language if user else "en"
            if resumed_job is None:
                job = await repo.create_job(s, story)
            else:
                job = await s.get(Job, resumed_job)
                assert job is not None
                job.status, story.status = "queued", "queued"
            if story.folder is None:
                story.folder = str(self.story_folder(story.id))
            if status_message_id is not None:
                story.status_message_id = status_message_id
            job_id, chat_id, title = job.id, story.chat_id, shorten(story.title or story.prompt, 60)
            kind, folder, parent_folder = story.kind, Path(story.folder), None
            if story.kind == "revoice" and story.parent_id:
                parent = await s.get(Story, story.parent_id)
                parent_folder = Path(parent.folder) if parent and parent.folder else None
            request = StoryRequest(
                prompt=story.prompt,
                lang=story.language,
                voice=story.voice,
                aspect=story.aspect,
                duration=story.duration,
            )
            voice, owner = story.voice or "", story.user_id
        # Committed: the job exists in the database before it enters the queue.

        status = StatusMessage(
            self.bot,
            chat_id,
            status_message_id,
            self.settings.progress_interval,
            self.limiter,
            on_new_message=lambda mid: self._spawn(self._save_status_id(story_id, mid)),
            retries=self.settings.send_retries,
            base_delay=self.settings.retry_base_delay,
        )
        if kind == "revoice":
            work = self._revoice_work(folder, parent_folder, voice)
        else:
            work = self._story_work(request, folder)
        self._status[story_id] = status  # before submit: the queue reports the position at once
        try:
            handle = self.queue.submit(
                job_id,
                owner,
                work,
                on_progress=lambda p: self._on_progress(story_id, lang, title, p),
                on_position=lambda pos: self._on_position(story_id, job_id, lang, title, pos),
                force=resumed_job is not None,
            )
        except QueueRejected as err:
            self._status.pop(story_id, None)
            async with self.sessions.begin() as s:
                job = await s.get(Job, job_id)
                story = await s.get(Story, story_id)
                assert job is not None and story is not None
                job.status, job.error, job.finished_at = "rejected", str(err), utcnow()
                story.status, story.error = "failed", err.reason
            key = "busy" if err.reason == "busy" else "user_limit"
            await status.finish(t(lang, key), retry_keyboard(story_id, lang) if key == "busy" else None)
            return err.reason
        self._spawn(self._follow(story_id, job_id, lang, title, handle.future, status))
        return "queued"

    def _story_work(self, request: StoryRequest, folder: Path) -> Any:
        # A partial of a module-level function: picklable, so it can run in a worker process.
        return functools.partial(_run_story_job, self.engine, request, folder)

    def _revoice_work(self, folder: Path, parent_folder: Path | None, voice: str) -> Any:
        return functools.partial(_revoice_job, self.engine, folder, parent_folder, voice)

    # ================================================================== progress
    def _on_position(self, story_id: int, job_id: int, lang: str, title: str, position: int) -> None:
        status = self._status.get(story_id)
        if position == 0:
            self._started[story_id] = time.monotonic()
            self._spawn(self._mark_running(story_id, job_id))
            if status:
                status.show(t(lang, "starting", title=title), cancel_keyboard(story_id, lang))
            return
        eta = ""
        if self._avg_job > 0:
            eta = t(lang, "eta_about", eta=human_duration(lang, position * self._avg_job))
        if status:
            status.show(
                t(lang, "queued", title=title, position=position, eta=Raw(eta)),
                cancel_keyboard(story_id, lang),
            )

    def _on_progress(self, story_id: int, lang: str, title: str, p: Progress) -> None:
        self._current[story_id] = p
        seen = self._stages_seen.setdefault(story_id, set())
        if p.stage not in seen:  # stages may run side by side: write each one once, not every switch
            seen.add(p.stage)
            self._spawn(self._save_stage(story_id, p.stage))
        status = self._status.get(story_id)
        if status:
            elapsed = time.monotonic() - self._started.get(story_id, time.monotonic())
            status.show(render_progress(lang, title, p, elapsed), cancel_keyboard(story_id, lang))

    async def _mark_running(self, story_id: int, job_id: int) -> None:
        async with self.sessions.begin() as s:
            job = await s.get(Job, job_id)
            story = await s.get(Story, story_id)
            if job is not None and job.status == "queued":
                job.status, job.started_at = "running", utcnow()
            if story is not None and story.status == "queued":
                story.status = "running"

    async def _save_stage(self, story_id: int, stage: str) -> None:
        async with self.sessions.begin() as s:
            story = await s.get(Story, story_id)
            if story is not None:
                story.stage = stage

    async def _save_status_id(self, story_id: int, message_id: int) -> None:
        async with self.sessions.begin() as s:
            story = await s.get(Story, story_id)
            if story is not None:
                story.status_message_id = message_id

    # ================================================================== outcome
    async def _follow(
        self,
        story_id: int,
        job_id: int,
        lang: str,
        title: str,
        future: asyncio.Future[Any],
        status: StatusMessage,
    ) -> None:
        try:
            result: EngineStory = await future
        except QueueStopped:
            await status.close()  # shutting down: the job stays unfinished and is resumed at next start
            return
        except Cancelled:
            await self._finish_job(job_id, story_id, "cancelled")
            await status.finish(t(lang, "cancelled", title=title))
        except JobTimeout as err:
            stage = self._stage_of(story_id)
            await self._finish_job(job_id, story_id, "timeout", stage, str(err))
            await status.finish(
                t(lang, "timeout", title=title, stage=Raw(stage_name(lang, stage))),
                retry_keyboard(story_id, lang),
            )
        except PromptError as err:
            await self._finish_job(job_id, story_id, "failed", "text", str(err))
            await status.finish(t(lang, "prompt_bad", hint=err.hint or str(err)))
        except StageError as err:
            await self._finish_job(job_id, story_id, "failed", err.stage, err.message)
            hint = err.hint or t(lang, "failed_generic")
            await status.finish(
                t(lang, "failed", title=title, stage=Raw(stage_name(lang, err.stage)), hint=hint),
                retry_keyboard(story_id, lang),
            )
        except Exception as err:
            log.exception("job %s failed unexpectedly", job_id)
            stage = self._stage_of(story_id)
            await self._finish_job(job_id, story_id, "failed", stage, f"{type(err).__name__}: {err}")
            await status.finish(
                t(
                    lang,
                    "failed",
                    title=title,
                    stage=Raw(stage_name(lang, stage)),
                    hint=t(lang, "failed_generic"),
                ),
                retry_keyboard(story_id, lang),
            )
        else:
            await self._succeed(story_id, job_id, lang, result, status)
        finally:
            self._status.pop(story_id, None)
            self._current.pop(story_id, None)
            self._started.pop(story_id, None)
            self._stages_seen.pop(story_id, None)

    def _stage_of(self, story_id: int) -> str:
        p = self._current.get(story_id)
        return p.stage if p else "text"

    async def _finish_job(
        self, job_id: int, story_id: int, outcome: str, stage: str | None = None, error: str | None = None
    ) -> None:
        async with self.sessions.begin() as s:
            job = await s.get(Job, job_id)
            story = await s.get(Story, story_id)
            assert job is not None and story is not None
            job.status, job.finished_at = outcome, utcnow()
            job.failed_stage, job.error = stage, error
            story.status = "cancelled" if outcome == "cancelled" else "failed"
            story.failed_stage, story.error = stage, error
            story.finished_at = utcnow()

    async def _succeed(
        self, story_id: int, job_id: int, lang: str, result: EngineStory, status: StatusMessage
    ) -> None:
        assert self.bot is not None
        async with self.sessions.begin() as s:
            job = await s.get(Job, job_id)
            story = await s.get(Story, story_id)
            assert job is not None and story is not None
            job.status, job.finished_at = "done", utcnow()
            await repo.record_timings(s, job_id, result.timings)
            story.status, story.finished_at, story.stage = "done", utcnow(), "video"
            story.title = result.title or story.prompt[:80]
            story.text = result.text
            story.video_file = str(result.video.get("file") or "")
            folder, chat_id = Path(story.folder or ""), story.chat_id
            if job.started_at:
                elapsed = (job.finished_at - job.started_at).total_seconds()
                self._avg_job = 0.7 * self._avg_job + 0.3 * elapsed
        title = shorten(result.title or "", 200) or shorten(story.prompt, 200)
        await status.finish(t(lang, "done_status", title=shorten(title, 60)))
        await self.deliver(story_id, folder / (story.video_file or "video.mp4"), chat_id, lang, title)

    async def deliver(self, story_id: int, path: Path, chat_id: int, lang: str, title: str) -> Sent | None:
        """Upload the video and remember its file id; a blocked user just keeps it in history."""
        assert self.bot is not None
        try:
            sent = await send_story_video(
                self.bot,
                chat_id,
                path,
                _caption(title),
                video_keyboard(story_id, lang),
                self.settings.upload_limit,
                self.settings.send_retries,
                self.settings.retry_base_delay,
                document_note=t(lang, "too_large_document"),
            )
        except ChatGone:
            await self.mark_blocked(chat_id)
            return None
        except TooLarge:
            await self._tell(chat_id, t(lang, "too_large_failed", title=title))
            return None
        except Exception:
            log.exception("could not send the video of story %s", story_id)
            await self._tell(chat_id, t(lang, "send_failed", title=title))
            return None
        async with self.sessions.begin() as s:
            story = await s.get(Story, story_id)
            if story is not None:
                story.telegram_file_id, story.sent_as, story.file_size = sent.file_id, sent.sent_as, sent.size
        return sent

    async def send_again(self, story: Story, lang: str) -> None:
        """History: by file id when Telegram has the file, else upload from the story folder."""
        assert self.bot is not None
        title = shorten(story.title or story.prompt, 200)
        if story.telegram_file_id:
            try:
                await resend(
                    self.bot,
                    story.chat_id,
                    story.telegram_file_id,
                    story.sent_as or "video",
                    _caption(title),
                    video_keyboard(story.id, lang),
                    self.settings.send_retries,
                    self.settings.retry_base_delay,
                )
                return
            except ChatGone:
                await self.mark_blocked(story.chat_id)
                return
            except Exception:
                log.warning("re-send by file id failed for story %s; uploading", story.id, exc_info=True)
        path = Path(story.folder or "") / (story.video_file or "video.mp4")
        if not path.is_file():
            await self._tell(story.chat_id, t(lang, "no_video"))
            return
        await self.deliver(story.id, path, story.chat_id, lang, title)

    async def _tell(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        assert self.bot is not None
        bot = self.bot
        try:
            await send_retrying(
                lambda: bot.send_message(chat_id, text, reply_markup=markup),
                self.settings.send_retries,
                self.settings.retry_base_delay,
            )
        except ChatGone:
            await self.mark_blocked(chat_id)
        except Exception:
            log.warning("could not tell chat %s", chat_id, exc_info=True)

    async def mark_blocked(self, chat_id: int) -> None:
        log.info("chat %s blocked the bot; keeping its stories, not retrying", chat_id)
        async with self.sessions.begin() as s:
            user = await s.get(User, chat_id)
            if user is not None:
                user.blocked = True

    # ================================================================== cancel
    def cancel(self, job_id: int) -> bool:
        return self.queue.cancel(job_id)

    # ================================================================== restart
    async def resume_unfinished(self) -> None:
        """Resume jobs a previous process left queued or running; tell users about the ones we cannot."""
        async with self.sessions.begin() as s:
            jobs = await repo.unfinished_jobs(s)
            plan: list[tuple[int, int, bool, int, str, str]] = []
            for job in jobs:
                story = await s.get(Story, job.story_id)
                assert story is not None
                user = await s.get(User, story.user_id)
                job.resumes += 1
                ok = job.resumes <= self.settings.max_resumes and not (user and user.blocked)
                if not ok:
                    job.status, job.finished_at = "interrupted", utcnow()
                    job.failed_stage, job.error = story.stage, "interrupted by a restart"
                    story.status, story.failed_stage = "failed", story.stage
                    story.error = "interrupted by a restart"
                title = shorten(story.title or story.prompt, 60)
                plan.append((job.id, story.id, ok, story.chat_id, user.language if user else "en", title))
        for job_id, story_id, ok, chat_id, lang, title in plan:
            if ok:
                log.info("resuming job %s (story %s) after a restart", job_id, story_id)
                await self._tell(chat_id, t(lang, "resumed", title=title))
                await self.enqueue(story_id, resumed_job=job_id)
            else:
                log.info("job %s cannot be resumed; offering a retry", job_id)
                await self._tell(chat_id, t(lang, "interrupted", title=title), retry_keyboard(story_id, lang))


def _run_story_job(
    engine: Engine, request: StoryRequest, folder: Path, on_progress: Any, cancel: CancelToken
) -> EngineStory:
    folder.mkdir(parents=True, exist_ok=True)
    return engine.run_story(request, folder, on_progress, cancel)


def _revoice_job(
    engine: Engine,
    folder: Path,
    parent_folder: Path | None,
    voice: str,
    on_progress: Any,
    cancel: CancelToken,
) -> EngineStory:
    if not (folder / "story.json").exists():
        if parent_folder is None or not (parent_folder / "story.json").exists():
            raise StageError("speech", "the original story's files are gone", "")
        # A copy, so the original video (and its Telegram file id) stays valid.
        shutil.copytree(
            parent_folder, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mp4", "*.tmp")
        )
    return engine.revoice(folder, voice, on_progress, cancel)


def _caption(title: str) -> str:
    return "🎬 <b>" + html.escape(shorten(title, 1000), quote=False) + "</b>"
