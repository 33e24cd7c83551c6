"""Engine, sessions and migrations.

SQLite is tuned on every connection: WAL (readers never block the writer, so /stats and the
progress loop don't stall a job's bookkeeping), foreign keys on, and a busy timeout instead of
"database is locked" errors. Migrations run through Alembic at start so the schema always matches
the code, from the first revision on.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_DIR = REPO_ROOT / "alembic"
ALEMBIC_INI = REPO_ROOT / "alembic.ini"


def sync_url(url: str) -> str:
    """The same database for a synchronous driver (Alembic runs synchronously)."""
    u = make_url(url)
    if u.drivername.startswith("sqlite"):
        u = u.set(drivername="sqlite")
    return u.render_as_string(hide_password=False)


def ensure_parent(url: str) -> None:
    """Create the folder of an SQLite file so a fresh checkout just works."""
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        Path(u.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")  # wait for the writer instead of "database is locked"
    cur.close()


def create_engine(url: str) -> AsyncEngine:
    """An async engine; for SQLite, one shared connection.

    Why one: SQLite has a single writer, and when several of our own connections compete for it
    the losers sleep in SQLite's busy handler (1, 2, 5 … 100 ms steps), which under a burst of
    updates turned into seconds of latency and finally "database is locked". With one connection
    the waiting happens in asyncio's pool queue instead: first come, first served, no sleeping.
    Code never holds a session across a Telegram call, so the connection is only ever busy for
    the milliseconds a query takes.
    """
    ensure_parent(url)
    if make_url(url).drivername.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
    else:
        engine = create_async_engine(url)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions of a Session subclass of their own, so event listeners (the bot's user cache)
    attach to this factory only and not to every Session in the process."""
    own_class = type("DigiTellerSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=own_class)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    cfg.attributes["configure_logging"] = False  # keep the bot's logging as it is
    return cfg


def upgrade_sync(url: str, revision: str = "head") -> None:
    from alembic import command

    ensure_parent(url)
    command.upgrade(alembic_config(url), revision)


async def migrate(url: str) -> None:
    """``alembic upgrade head`` from code, off the event loop."""
    await asyncio.to_thread(upgrade_sync, url)
