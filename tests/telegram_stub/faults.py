"""Fault injection: make the n-th call of a method (optionally for one chat) fail in a chosen way."""

from __future__ import annotations

from dataclasses import dataclass

#: kind → what the stub does
KINDS = {
    "retry_after": "429 Too Many Requests with parameters.retry_after and a Retry-After header",
    "not_modified": "400 message is not modified",
    "blocked": "403 Forbidden: bot was blocked by the user",
    "too_large": "413 Request Entity Too Large (after draining the body)",
    "server_error": "500 Internal Server Error (JSON)",
    "delay": "sleep ``delay`` seconds before answering normally (past the client timeout if long)",
    "disconnect": "close the connection in the middle of reading the request body",
}


@dataclass
class Fault:
    method: str  # Bot API method name (any case) or "*"
    kind: str
    chat_id: int | None = None
    nth: int = 1  # first matching call that fails (1-based)
    times: int = 1  # how many calls fail from there; 0 = every one after
    retry_after: int = 1
    delay: float = 0.0
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        self.method = self.method.lower()

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Count a matching call and say whether this one must fail."""
        if self.method not in ("*", method.lower()):
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        self.seen += 1
        if self.seen < self.nth:
            return False
        if self.times and self.fired >= self.times:
            return False
        self.fired += 1
        return True

    @property
    def exhausted(self) -> bool:
        return bool(self.times) and self.fired >= self.times
