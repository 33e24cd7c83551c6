"""The store: migrations from the first revision match the models, WAL is on, stats add up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from storage import db, repo
from storage.models import Base, Job, StageTiming, Story, utcnow


def test_migrations_create_the_schema_the_models_describe(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'x.db'}"
    db.upgrade_sync(url)
    db.upgrade_sync(url)  # idempotent
    engine = create_engine(db.sync_url(url))
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {
            "users",
            "stories",
            "jobs",
            "stage_timings",
            "alembic_version",
        }
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"render_as_batch": True}), Base.metadata
        )
        assert diff == []
    engine.dispose()


async def test_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    await db.migrate(url)
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()


def test_percentile() -> None:
    assert repo.percentile([], 95) == 0.0
    assert repo.percentile([3.0], 95) == 3.0
    values = [float(i) for i in range(1, 101)]
    assert repo.percentile(values, 95) == 95.0
    assert repo.percentile(values, 50) == 50.0


async def test_stats(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    await db.migrate(url)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    now = utcnow()
    async with sessions.begin() as s:
        u1 = await repo.get_or_create_user(s, 1, "A", language_code="ru-RU")
        await repo.get_or_create_user(s, 2, "B", language_code="en")
        assert u1.language == "ru"
        for i, (status, stage) in enumerate(
            [("done", None), ("done", None), ("failed", "images"), ("timeout", "video")]
        ):
            story = await repo.create_story(
                s,
                user_id=1,
                chat_id=1,
                prompt=f"p{i}",
                language="en",
                status="done" if status == "done" else "failed",
                created_at=now - timedelta(days=i),
            )
            job = Job(
                story_id=story.id,
                status=status,
                failed_stage=stage,
                started_at=now - timedelta(seconds=60),
                finished_at=now,
            )
            s.add(job)
            await s.flush()
            for seconds in (1.0, 2.0) if status == "done" else ():
                s.add(StageTiming(job_id=job.id, stage="text", seconds=seconds * (i + 1)))
        await repo.create_story(s, user_id=2, chat_id=2, prompt="draft", language="en", status="draft")
    async with sessions() as s:
        st = await repo.stats(s, now=now)
        assert st.users == 2
        assert st.stories_total == 4 and st.stories_today == 1  # drafts are not stories yet
        assert st.jobs_finished == 4 and st.success_rate == 0.5
        assert st.failures_by_stage == {"images": 1, "video": 1}
        assert st.stage_avg["text"] == (1 + 2 + 2 + 4) / 4 and st.stage_p95["text"] == 4.0
        assert abs(await repo.average_job_seconds(s) - 60.0) < 1.0
        assert not await repo.claim_draft(s, 1, "v")  # story 1 is not a draft
        draft = (await repo.recent_stories(s, 2)) == []  # drafts are not in history
        assert draft
        assert await repo.claim_draft(s, 5, "voice")
        assert (await s.get(Story, 5)).status == "queued"
    await engine.dispose()
