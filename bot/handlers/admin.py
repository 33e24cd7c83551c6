"""/stats and /queue for admins. For anyone else the router's filter fails and the commands fall
through to the unknown-command reply, so they simply do not exist."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import IsAdmin
from bot.runner import StoryRunner
from bot.texts import Raw, t
from engine.story import STAGES
from storage import repo


async def stats(message: Message, session: AsyncSession, lang: str, runner: StoryRunner) -> None:
    s = await repo.stats(session)
    await session.commit()  # release the connection before talking to Telegram
    failures = ", ".join(f"{k}: {v}" for k, v in sorted(s.failures_by_stage.items())) or "—"
    stage_rows = [
        f"  {stage}: {s.stage_avg[stage]:.1f} / {s.stage_p95[stage]:.1f}"
        for stage in (*STAGES, *sorted(set(s.stage_avg) - set(STAGES)))
        if stage in s.stage_avg
    ]
    await message.answer(
        t(
            lang,
            "stats",
            users=s.users,
            today=s.stories_today,
            total=s.stories_total,
            success=f"{s.success_rate:.0%}",
            done=s.jobs_done,
            finished=s.jobs_finished,
            failures=failures,
            stages=Raw("\n".join(stage_rows) or "  —"),
            running=runner.queue.running,
            waiting=runner.queue.waiting,
        )
    )


async def queue(message: Message, lang: str, runner: StoryRunner) -> None:
    """Jobs in line and running, then the workers with their state and last heartbeat."""
    rows = runner.queue.snapshot()
    lines = [t(lang, "queue_header", count=len(rows))] if rows else [t(lang, "queue_empty")]
    for r in rows:
        state = r.state
        if r.progress is not None:
            state += f" · {r.progress.stage} {r.progress.overall:.0%}"
        lines.append(t(lang, "queue_row", position=r.position, job=r.job_id, user=r.owner, state=state))
    workers = runner.queue.workers()
    if workers:
        lines.append("")
        lines.append(t(lang, "queue_workers", count=len(workers)))
    for w in workers:
        job = f" · job {w.job_id}" if w.job_id is not None else ""
        lines.append(
            t(
                lang,
                "queue_worker_row",
                worker=w.worker_id,
                state=w.state,
                job=job,
                ago=f"{w.seconds_since_beat:.0f}",
            )
        )
    await message.answer("\n".join(lines))


def create_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only; tests build several)."""
    router = Router(name="admin")
    router.message.filter(IsAdmin())
    router.message.register(stats, Command("stats"))
    router.message.register(queue, Command("queue"))
    return router
