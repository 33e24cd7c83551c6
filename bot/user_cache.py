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
