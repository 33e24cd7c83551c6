"""The stub server: Bot API routes on 127.0.0.1 (random port) plus a Python control API for tests.

Why our own: no packaged stub speaks the Bot API as aiogram 3 uses it (see TELEGRAM-STUB.md). The
stub keeps real state — per-chat message ids, stored inline keyboards, callback queries, uploaded
bytes — so the bot's behaviour is checked against Telegram's rules, not against a mock's echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.telegram_stub.faults import Fault
from tests.telegram_stub.markup import MarkupError, html_to_plain

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
STALE_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
FLOOD_LIMITED = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "sendvideo", "senddocument"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class StoredMessage:
    """A message as the stub keeps it (both directions)."""

    chat_id: int
    message_id: int
    sender: dict[str, Any]
    date: int
    from_bot: bool
    text: str | None = None  # visible text
    source: str | None = None  # text as sent (with markup), for "not modified" checks
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None
    edit_date: int | None = None
    edits: list[tuple[float, str | None]] = field(default_factory=list)
    deleted: bool = False

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b for row in rows for b in row]

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat,
            "from": self.sender,
        }
        for key in ("text", "caption", "reply_markup", "video", "document", "entities", "edit_date"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass
class Upload:
    """Bytes the bot uploaded, kept so tests can ffprobe what the user received."""

    file_id: str
    file_unique_id: str
    method: str
    chat_id: int
    path: Path
    size: int
    filename: str
    meta: dict[str, Any]


@dataclass
class LoggedRequest:
    t: float
    method: str
    params: dict[str, Any]
    status: int = 0
    response: dict[str, Any] | None = None
    multipart: bool = False


class _Bucket:
    """Token bucket for the optional flood limiter."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.t = rate, burst, burst, time.monotonic()

    def take(self) -> float:
        """0 if allowed, else seconds until a token is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class StubServer:
    """Run with ``await stub.start()``; point aiogram at ``stub.url``; ``await stub.stop()``."""

    def __init__(
        self,
        token: str = "123456:TEST",
        upload_limit: int = 50 * 1024 * 1024,
        callback_deadline: float = 15.0,
        flood_limit: bool = False,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 5.0,
        global_rate: float = 30.0,
        workdir: Path | None = None,
    ) -> None:
        self.token = token
        self.upload_limit = upload_limit
        self.callback_deadline = callback_deadline
        self.flood_limit = flood_limit
        self.per_chat_rate, self.per_chat_burst, self.global_rate = per_chat_rate, per_chat_burst, global_rate
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "DigiTeller",
            "username": "digiteller_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="tgstub-"))
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}  # chat → message_id → message
        self._next_message_id: dict[int, itertools.count[int]] = {}
        self.transcripts: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[LoggedRequest] = []
        self.uploads: list[Upload] = []
        self.files: dict[str, Upload] = {}
        self.blocked: set[int] = set()
        self.faults: list[Fault] = []
        self.commands: list[dict[str, Any]] = []
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.rate_limited: list[tuple[float, str, int | None]] = []  # flood limiter hits
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._waiters: list[asyncio.Future[None]] = []  # woken on every state change
        self._poll_token: asyncio.Future[None] | None = None
        self._chat_buckets: dict[int, _Bucket] = {}
        self._global_bucket = _Bucket(global_rate, global_rate)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Webhook mode (setWebhook): updates are POSTed to the bot instead of waiting for getUpdates.
        self.webhook: dict[str, Any] | None = None  # url, secret_token, allowed_updates
        self.webhook_log: list[tuple[int, int]] = []  # (update_id, HTTP status) per delivery attempt
        self._webhook_task: asyncio.Task[None] | None = None

    # ================================================================== life cycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        app = web.Application(client_max_size=1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        await self._stop_webhook()
        if self._poll_token is not None and not self._poll_token.done():
            self._poll_token.set_result(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    async def __aenter__(self) -> StubServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================== control API (tests)
    def user(
        self, user_id: int, first_name: str = "Test", language_code: str = "en", username: str | None = None
    ) -> dict[str, Any]:
        """Register (or update) a user who talks to the bot in a private chat."""
        u = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            u["username"] = username
        self.users[user_id] = u
        self.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": first_name})
        return u

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> StoredMessage:
        """The user sends a message; a leading /command gets a bot_command entity like in Telegram."""
        sender = self.users.get(user_id) or self.user(user_id)
        chat_id = chat_id if chat_id is not None else user_id
        chat = self.chats.setdefault(
            chat_id, {"id": chat_id, "type": "private", "first_name": sender["first_name"]}
        )
        msg = StoredMessage(
            chat_id, self._new_message_id(chat_id), sender, int(time.time()), False, text=text
        )
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0]) if text.strip() else 1
            msg.entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(text[:length])}]
        self.messages.setdefault(chat_id, {})[msg.message_id] = msg
        self._log(chat_id, "in", message_id=msg.message_id, text=text, user=user_id)
        self._push_update({"message": msg.to_api(chat)})
        return msg

    def tap(
        self,
        user_id: int,
        label: str,
        chat_id: int | None = None,
        message_id: int | None = None,
        exact: bool = False,
    ) -> str:
        """Tap an inline button whose label contains ``label`` (newest message first); returns the query id.

        Only buttons that exist on a stored bot message can be tapped, as in Telegram.
        """
        sender = self.users.get(user_id) or self.user(user_id)
        chat_id = chat_id if chat_id is not None else user_id
        candidates = sorted(self.messages.get(chat_id, {}).values(), key=lambda m: -m.message_id)
        for msg in candidates:
            if not msg.from_bot or msg.deleted or (message_id is not None and msg.message_id != message_id):
                continue
            for button in msg.buttons():
                text = button.get("text", "")
                if (text == label if exact else label in text) and "callback_data" in button:
                    return self._callback(sender, chat_id, msg, button["callback_data"])
        raise LookupError(f"no button {label!r} in chat {chat_id}: {self.button_labels(chat_id)}")

    def plant_message(self, chat_id: int, text: str, buttons: list[tuple[str, str]]) -> StoredMessage:
        """A bot message with inline buttons already in the chat (e.g. left by an older deployment)."""
        markup = {"inline_keyboard": [[{"text": label, "callback_data": data}] for label, data in buttons]}
        msg = StoredMessage(
            chat_id,
            self._new_message_id(chat_id),
            self.bot_user,
            int(time.time()),
            True,
            text=text,
            source=text,
            reply_markup=markup,
        )
        self.messages.setdefault(chat_id, {})[msg.message_id] = msg
        return msg

    def button_labels(self, chat_id: int) -> list[str]:
        return [b.get("text", "") for m in self.bot_messages(chat_id) for b in m.buttons()]

    def block(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: every send to their chat answers 403."""
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def inject_fault(self, method: str, kind: str, **kwargs: Any) -> Fault:
        fault = Fault(method, kind, **kwargs)
        self.faults.append(fault)
        return fault

    def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        return list(self.transcripts.get(chat_id, []))

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[StoredMessage]:
        msgs = sorted(self.messages.get(chat_id, {}).values(), key=lambda m: m.message_id)
        return [m for m in msgs if m.from_bot and (include_deleted or not m.deleted)]

    def texts(self, chat_id: int) -> list[str]:
        """Current visible text (or caption) of the bot's messages in a chat, oldest first."""
        return [m.text or m.caption or "" for m in self.bot_messages(chat_id)]

    def calls(self, method: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def answers(self, chat_id: int) -> list[dict[str, Any]]:
        return [e for e in self.transcript(chat_id) if e["kind"] == "answer"]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every state change); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"stub.wait_for timed out after {timeout} s: {what or predicate}")
            await asyncio.wait({self._next_change()}, timeout=min(remaining, 0.25))

    # ================================================================== internals: state
    def _new_message_id(self, chat_id: int) -> int:
        return next(self._next_message_id.setdefault(chat_id, itertools.count(1)))

    def _next_change(self) -> asyncio.Future[None]:
        """A future resolved by the next state change (no shared flag to clear, so no lost wake-ups)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        return fut

    def _bump(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    def _log(self, chat_id: int, direction: str, **event: Any) -> None:
        kind = event.pop("kind", "text")
        self.transcripts.setdefault(chat_id, []).append(
            {"t": time.monotonic(), "dir": direction, "kind": kind, **event}
        )
        self._bump()

    def _push_update(self, body: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **body})
        self._bump()
        return update_id

    def _callback(self, sender: dict[str, Any], chat_id: int, msg: StoredMessage, data: str) -> str:
        query_id = str(secrets.randbits(63))
        self.callbacks[query_id] = {"t": time.monotonic(), "answered": False, "user": sender["id"]}
        chat = self.chats[chat_id]
        body = {
            "callback_query": {
                "id": query_id,
                "from": sender,
                "message": msg.to_api(chat),
                "chat_instance": str(chat_id * 7 + 1),
                "data": data,
            }
        }
        self._log(chat_id, "in", kind="tap", message_id=msg.message_id, data=data, user=sender["id"])
        self._push_update(body)
        return query_id

    def _message(self, chat_id: int, message_id: int) -> StoredMessage:
        msg = self.messages.get(chat_id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return msg

    # ================================================================== HTTP
    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPNotFound()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        entry = LoggedRequest(time.monotonic(), method, {})
        self.requests.append(entry)
        if request.match_info["token"] != self.token:
            return self._reply(entry, ApiError(401, "Unauthorized"))
        handler = getattr(self, f"_m_{method.lower()}", None)
        fault: Fault | None = None
        try:
            params = await self._read_params(request, method, entry)
            entry.params = {k: v for k, v in params.items() if not isinstance(v, _FilePart)}
            chat_id = _int_or_none(params.get("chat_id"))
            for f in self.faults:
                if f.kind == "disconnect" and entry.multipart:
                    continue  # already decided while reading the body
                if f.matches(method, chat_id):
                    fault = f
                    break
            if fault is not None and fault.kind == "disconnect":
                # Only reached for calls without a body to cut: drop the connection now.
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            if fault is not None:
                await self._apply_fault(fault)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            if (
                chat_id is not None
                and chat_id in self.blocked
                and method.lower().startswith(("send", "edit"))
            ):
                raise ApiError(403, BLOCKED)
            if self.flood_limit and method.lower() in FLOOD_LIMITED:
                self._check_flood(method, chat_id)
            result = await handler(params)
        except ApiError as err:
            return self._reply(entry, err)
        except _Disconnected:
            return web.Response(status=500)
        finally:
            for p in params.values() if "params" in locals() else ():
                if isinstance(p, _FilePart) and not p.kept:
                    p.path.unlink(missing_ok=True)
        return self._reply(entry, result)

    def _reply(self, entry: LoggedRequest, result: Any) -> web.Response:
        if isinstance(result, ApiError):
            body: dict[str, Any] = {"ok": False, "error_code": result.code, "description": result.description}
            headers = {}
            if result.parameters:
                body["parameters"] = result.parameters
                if "retry_after" in result.parameters:
                    headers["Retry-After"] = str(result.parameters["retry_after"])
            entry.status, entry.response = result.code, body
            self._bump()
            return web.json_response(body, status=result.code, headers=headers)
        body = {"ok": True, "result": result}
        entry.status, entry.response = 200, body
        self._bump()
        return web.json_response(body)

    async def _apply_fault(self, fault: Fault) -> None:
        if fault.kind == "retry_after":
            raise ApiError(
                429, f"Too Many Requests: retry after {fault.retry_after}", {"retry_after": fault.retry_after}
            )
        if fault.kind == "not_modified":
            raise ApiError(400, NOT_MODIFIED)
        if fault.kind == "blocked":
            raise ApiError(403, BLOCKED)
        if fault.kind == "too_large":
            raise ApiError(413, "Request Entity Too Large")
        if fault.kind == "server_error":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)

    def _check_flood(self, method: str, chat_id: int | None) -> None:
        waits = [self._global_bucket.take()]
        if chat_id is not None:
            bucket = self._chat_buckets.setdefault(chat_id, _Bucket(self.per_chat_rate, self.per_chat_burst))
            waits.append(bucket.take())
        wait = max(waits)
        if wait > 0:
            self.rate_limited.append((time.monotonic(), method, chat_id))
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    async def _stream_part(
        self, part: Any, cutting: bool, request: web.Request, entry: LoggedRequest
    ) -> _FilePart:
        """One uploaded file to disk (bytes past the upload limit are counted, not kept)."""
        fp = _FilePart(part.filename or "file", self.workdir / f"up-{secrets.token_hex(8)}")
        with fp.path.open("wb") as out:
            while True:
                chunk = await part.read_chunk(256 * 1024)
                if not chunk:
                    break
                fp.size += len(chunk)
                if fp.size <= self.upload_limit:
                    out.write(chunk)
                if cutting:  # cut after the first chunk: a connection lost mid-upload
                    entry.status = -1
                    fp.path.unlink(missing_ok=True)
                    if request.transport is not None:
                        request.transport.abort()
                    raise _Disconnected()
        return fp

    async def _read_params(self, request: web.Request, method: str, entry: LoggedRequest) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        ctype = request.content_type
        if ctype == "multipart/form-data":
            entry.multipart = True
            # A disconnect fault for this call cuts the body in the middle of the upload.
            chat_hint = None
            cut = next(
                (
                    f
                    for f in self.faults
                    if f.kind == "disconnect" and not f.exhausted and f.method in ("*", method.lower())
                ),
                None,
            )
            reader = await request.multipart()
            total = 0
            while True:
                part = await reader.next()
                if part is None:
                    break
                if part.filename is None:  # a plain field
                    value = (await part.read(decode=True)).decode("utf-8")  # type: ignore[union-attr]
                    params[part.name or ""] = value
                    if part.name == "chat_id":
                        chat_hint = _int_or_none(value)
                    continue
                cutting = cut is not None and cut.matches(method, chat_hint)
                fp = await self._stream_part(part, cutting, request, entry)
                total += fp.size
                params[part.name or ""] = fp
            if total > self.upload_limit:
                for p in params.values():
                    if isinstance(p, _FilePart):
                        p.path.unlink(missing_ok=True)
                entry.params = {k: v for k, v in params.items() if not isinstance(v, _FilePart)}
                raise ApiError(413, "Request Entity Too Large")
        elif ctype == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())  # type: ignore[arg-type]
        return params

    # ================================================================== Bot API methods
    async def _m_getme(self, p: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_deletewebhook(self, p: dict[str, Any]) -> Any:
        await self._stop_webhook()
        if str(p.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _m_setwebhook(self, p: dict[str, Any]) -> Any:
        url = str(p.get("url") or "")
        if not url:
            return await self._m_deletewebhook(p)
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        await self._stop_webhook()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": _json(p.get("allowed_updates")) or [],
        }
        self._webhook_task = asyncio.create_task(self._push_webhook())
        return True

    async def _m_getwebhookinfo(self, p: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _stop_webhook(self) -> None:
        self.webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    async def _push_webhook(self) -> None:
        """POST pending updates to the webhook one by one, as Telegram does; retry failures later."""
        import aiohttp

        async with aiohttp.ClientSession() as http:
            while self.webhook is not None:
                hook = self.webhook
                allowed = hook["allowed_updates"]
                pending = [
                    u
                    for u in self._updates
                    if not allowed or next(k for k in u if k != "update_id") in allowed
                ]
                if not pending:
                    await asyncio.wait({self._next_change()}, timeout=0.5)
                    continue
                update = pending[0]
                status = await self.post_update(update, hook["secret_token"], http)
                self.webhook_log.append((update["update_id"], status))
                if 200 <= status < 300:
                    self._updates = [u for u in self._updates if u is not update]
                else:
                    await asyncio.sleep(0.2)

    async def post_update(self, update: dict[str, Any], secret: str | None, http: Any = None) -> int:
        """POST one update to the webhook URL with ``secret`` as the secret header; the HTTP status
        (-1 when the bot did not answer). Tests call it with a wrong secret."""
        import aiohttp

        assert self.webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        own = http is None
        http = http or aiohttp.ClientSession()
        try:
            async with http.post(
                self.webhook["url"], json=update, headers=headers, timeout=aiohttp.ClientTimeout(10)
            ) as r:
                await r.read()
                return int(r.status)
        except (aiohttp.ClientError, TimeoutError):
            return -1
        finally:
            if own:
                await http.close()

    async def _m_setmycommands(self, p: dict[str, Any]) -> Any:
        self.commands = _json(p.get("commands")) or []
        return True

    async def _m_sendchataction(self, p: dict[str, Any]) -> Any:
        self._chat(p)
        return True

    async def _m_getchat(self, p: dict[str, Any]) -> Any:
        return self._chat(p)

    async def _m_getupdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        allowed = _json(p.get("allowed_updates")) or []
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if allowed:
            self._updates = [u for u in self._updates if next(k for k in u if k != "update_id") in allowed]
        if self._poll_token is not None and not self._poll_token.done():
            self._poll_token.set_result(None)  # the older request loses with 409
        token: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poll_token = token
        deadline = time.monotonic() + timeout
        while True:
            if token.done():
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            ready = self._updates[:limit]
            if ready:
                self._poll_token = None
                return ready
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._poll_token = None
                return []
            await asyncio.wait(
                {self._next_change(), token}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )

    def _message_text(self, p: dict[str, Any]) -> tuple[str, str]:
        """(source as sent, plain text as shown), with Telegram's errors for empty or too long text."""
        source = str(p.get("text") or "")
        plain = self._plain(source, p.get("parse_mode"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return source, plain

    async def _m_sendmessage(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        source, plain = self._message_text(p)
        markup = self._markup(p)
        msg = StoredMessage(
            chat["id"],
            self._new_message_id(chat["id"]),
            self.bot_user,
            int(time.time()),
            True,
            text=plain,
            source=source,
            reply_markup=markup,
        )
        self.messages.setdefault(chat["id"], {})[msg.message_id] = msg
        self._log(
            chat["id"],
            "out",
            message_id=msg.message_id,
            text=plain,
            buttons=[b.get("text") for b in msg.buttons()],
        )
        return msg.to_api(chat)

    async def _m_editmessagetext(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        msg = self._message(chat["id"], int(p.get("message_id") or 0))
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        if msg.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        source, plain = self._message_text(p)
        markup = self._markup(p)  # absent → the inline keyboard is removed, as in Telegram
        if plain == msg.text and source == msg.source and markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.text, msg.source, msg.reply_markup = plain, source, markup
        msg.edit_date = int(time.time())
        msg.edits.append((time.monotonic(), plain))
        self._log(
            chat["id"],
            "out",
            kind="edit",
            message_id=msg.message_id,
            text=plain,
            buttons=[b.get("text") for b in msg.buttons()],
        )
        return msg.to_api(chat)

    async def _m_editmessagereplymarkup(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        msg = self._message(chat["id"], int(p.get("message_id") or 0))
        markup = self._markup(p)
        if markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.reply_markup = markup
        msg.edit_date = int(time.time())
        msg.edits.append((time.monotonic(), msg.text))
        self._log(
            chat["id"],
            "out",
            kind="markup",
            message_id=msg.message_id,
            buttons=[b.get("text") for b in msg.buttons()],
        )
        return msg.to_api(chat)

    async def _m_deletemessage(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        msg = self.messages.get(chat["id"], {}).get(int(p.get("message_id") or 0))
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        msg.deleted = True
        self._log(chat["id"], "out", kind="delete", message_id=msg.message_id)
        return True

    def delete_by_user(self, chat_id: int, message_id: int) -> None:
        """The user deletes a message in their chat (e.g. the bot's progress message)."""
        self.messages[chat_id][message_id].deleted = True
        self._log(chat_id, "in", kind="delete", message_id=message_id)

    async def _m_answercallbackquery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        q = self.callbacks.get(query_id)
        if q is None or q["answered"] or time.monotonic() - q["t"] > self.callback_deadline:
            raise ApiError(400, STALE_QUERY)
        q["answered"] = True
        q["text"] = p.get("text")
        q["show_alert"] = str(p.get("show_alert", "")).lower() == "true"
        chat_id = q["user"]
        self._log(chat_id, "out", kind="answer", query_id=query_id, text=p.get("text"), alert=q["show_alert"])
        return True

    async def _m_sendvideo(self, p: dict[str, Any]) -> Any:
        return await self._send_file(p, "video")

    async def _m_senddocument(self, p: dict[str, Any]) -> Any:
        return await self._send_file(p, "document")

    async def _send_file(self, p: dict[str, Any], kind: str) -> Any:
        chat = self._chat(p)
        caption_src = p.get("caption")
        caption = self._plain(str(caption_src), p.get("parse_mode")) if caption_src else None
        if caption is not None and _utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        ref = p.get(kind)
        if isinstance(ref, str) and ref.startswith("attach://"):
            ref = p.get(ref.removeprefix("attach://"))
        if isinstance(ref, _FilePart):
            upload = await self._store_upload(ref, kind, chat["id"], p)
        elif isinstance(ref, str) and ref in self.files:
            upload = self.files[ref]  # re-sent by file id: no bytes travel
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        info: dict[str, Any] = {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_unique_id,
            "file_size": upload.size,
            "file_name": upload.filename,
        }
        if kind == "video":
            info.update(
                {
                    "width": upload.meta.get("width", 0),
                    "height": upload.meta.get("height", 0),
                    "duration": round(upload.meta.get("duration", 0)),
                    "mime_type": "video/mp4",
                }
            )
        else:
            info["mime_type"] = (
                "video/mp4" if upload.filename.endswith(".mp4") else "application/octet-stream"
            )
        msg = StoredMessage(
            chat["id"],
            self._new_message_id(chat["id"]),
            self.bot_user,
            int(time.time()),
            True,
            caption=caption,
            reply_markup=self._markup(p),
            **{kind: info},
        )
        self.messages.setdefault(chat["id"], {})[msg.message_id] = msg
        self._log(
            chat["id"],
            "out",
            kind=kind,
            message_id=msg.message_id,
            text=caption,
            file_id=upload.file_id,
            size=upload.size,
            streaming=str(p.get("supports_streaming", "")).lower() == "true",
            buttons=[b.get("text") for b in msg.buttons()],
        )
        return msg.to_api(chat)

    async def _store_upload(self, part: _FilePart, kind: str, chat_id: int, p: dict[str, Any]) -> Upload:
        part.kept = True
        meta = await _probe(part.path)
        file_id = ("BAACAgI" if kind == "video" else "BQACAgI") + secrets.token_urlsafe(24)
        upload = Upload(
            file_id, secrets.token_urlsafe(8), kind, chat_id, part.path, part.size, part.filename, meta
        )
        self.uploads.append(upload)
        self.files[file_id] = upload
        return upload

    # ================================================================== helpers
    def _chat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _int_or_none(p.get("chat_id"))
        if chat_id is None or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[chat_id]

    def _plain(self, source: str, parse_mode: Any) -> str:
        if str(parse_mode or "").lower() == "html":
            try:
                return html_to_plain(source)
            except MarkupError as err:
                raise ApiError(400, f"Bad Request: {err}") from None
        return source

    def _markup(self, p: dict[str, Any]) -> dict[str, Any] | None:
        markup = _json(p.get("reply_markup"))
        if not markup:
            return None
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup


@dataclass
class _FilePart:
    filename: str
    path: Path
    size: int = 0
    kept: bool = False


class _Disconnected(Exception):
    pass


def _json(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return json.loads(value)
    return value


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _probe(path: Path) -> dict[str, Any]:
    """Width, height and duration as Telegram would read them (ffprobe); empty if it is not a video."""
    if not shutil.which("ffprobe"):
        return {}
    proc = await asyncio.create_subprocess_exec(
        "ffprobe",
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_streams",
        "-show_format",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    try:
        data = json.loads(out or b"{}")
    except json.JSONDecodeError:
        return {}
    meta: dict[str, Any] = {"streams": [s.get("codec_type") for s in data.get("streams", [])]}
    for s in data.get("streams", []):
        if s.get("codec_type") == "video":
            meta.update(
                width=int(s.get("width", 0)), height=int(s.get("height", 0)), codec=s.get("codec_name")
            )
    with contextlib.suppress(TypeError, ValueError):
        meta["duration"] = float(data.get("format", {}).get("duration"))
    return meta
