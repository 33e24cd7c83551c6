"""An in-memory cache of user rows, so most updates (/help, taps) never wait for SQLite.

Why: every update needs the sender's language and flags; reading them from SQLite for each update
made a burst of 50 users queue behind the single database connection. The cache is safe because
this process is the only writer: any flush that writes a User row (from a handler or from the
runner) evicts that user, and a loader only stores what it read if nobody wrote the user meanwhile
(a generation counter), so a stale row is never cached.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from storage.models import User


class UserCache:
    def __init__(self, max_size: int = 10_000) -> None:
        self.max_size = max_size
        self._rows: OrderedDict[int, User] = OrderedDict()
        self._generation: dict[int, int] = {}
        self.hits = 0
        self.misses = 0

    def get(self, user_id: int) -> User | None:
        row = self._rows.get(user_id)
        if row is None:
            self.misses += 1
            return None
        self._rows.move_to_end(user_id)
        self.hits += 1
        return row

    def generation(self, user_id: int) -> int:
        return self._generation.get(user_id, 0)

    def put(self, user: User, generation: int) -> None:
        """Store a clean, committed row unless the user was written since ``generation`` was taken."""
        if self._generation.get(user.id, 0) != generation:
            return
        self._rows[user.id] = user
        self._rows.move_to_end(user.id)
        while len(self._rows) > self.max_size:
            self._rows.popitem(last=False)

    def forget(self, user_id: int) -> None:
        self._rows.pop(user_id, None)
        self._generation[user_id] = self._generation.get(user_id, 0) + 1

    def watch(self, session_class: type[Session]) -> None:
        """Evict users whenever a session of ``session_class`` flushes changes to them."""

        def after_flush(session: Session, _context: Any) -> None:
            for obj in (*session.new, *session.dirty, *session.deleted):
                if isinstance(obj, User):
                    self.forget(obj.id)

        event.listen(session_class, "after_flush", after_flush)


class UserRegistrar:
    """Loads or creates the rows of users the cache does not know, many in one transaction.

    Why: a burst of first contacts (50 new users at once) used to be 50 transactions, each waiting
    for SQLite's single connection in turn; the last /help of the burst waited for all of them
    (p99 ~350 ms). Here requests that arrive while a batch is being written form the next batch
    (group commit): one SELECT, one multi-row INSERT … ON CONFLICT DO NOTHING and one UPDATE of
    stale ``last_seen`` / ``blocked`` per batch. Rows come back detached (expire_on_commit=False),
    to be merged into each update's session without another query.
    """

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self._pending: dict[int, tuple[dict[str, Any], Any]] = {}
        self._flushing = False
        self._task: Any = None
        self.batches = 0

    async def get(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> User:
        import asyncio

        entry = self._pending.get(user_id)
        if entry is None:
            values = {"first_name": first_name, "username": username, "language_code": language_code}
            entry = (values, asyncio.get_running_loop().create_future())
            self._pending[user_id] = entry
            if not self._flushing:
                self._flushing = True
                self._task = asyncio.create_task(self._flush())
        user: User = await asyncio.shield(entry[1])
        return user

    async def warm(self) -> None:
        """Open the database connection and compile the queries before the first burst arrives."""
        from storage import repo

        async with self.sessions() as s:
            await repo.load_or_create_users(s, {})
            await s.rollback()

    async def _flush(self) -> None:
        import asyncio

        from storage import repo

        try:
            await asyncio.sleep(0.003)  # a few ms: the rest of this getUpdates batch joins the batch
            while self._pending:
                batch, self._pending = self._pending, {}
                self.batches += 1
                try:
                    async with self.sessions.begin() as s:
                        rows = await repo.load_or_create_users(s, {uid: v for uid, (v, _) in batch.items()})
                except Exception as err:
                    for _v, fut in batch.values():
                        if not fut.done():
                            fut.set_exception(err)
                    continue
                for uid, (_v, fut) in batch.items():
                    if not fut.done():
                        fut.set_result(rows[uid])
        finally:
            self._flushing = False
