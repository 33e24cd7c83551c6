"""The Bot API stub honours the contract in TELEGRAM-STUB.md (checked with plain HTTP, not aiogram)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest

from tests.telegram_stub import StubServer


@pytest.fixture
async def api(tmp_path: Path):
    stub = StubServer(workdir=tmp_path, callback_deadline=0.5, upload_limit=100_000)
    await stub.start()
    stub.user(5, "Eve")
    async with aiohttp.ClientSession() as http:

        async def call(method: str, **params):
            data = {k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()}
            async with http.post(f"{stub.url}/bot{stub.token}/{method}", data=data) as r:
                return r.status, await r.json()

        yield stub, call, http
    await stub.stop()


async def test_get_me_and_unknown_method(api) -> None:
    _, call, _ = api
    status, body = await call("getMe")
    assert status == 200 and body["result"]["is_bot"] is True
    status, body = await call("noSuchMethod")
    assert status == 404 and body == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    status, body = await call("GETME")  # method names are case-insensitive
    assert status == 200


async def test_get_updates_long_polls_confirms_and_conflicts(api) -> None:
    stub, call, _ = api
    t0 = time.monotonic()
    status, body = await call("getUpdates", timeout=0.3)
    assert body["result"] == [] and time.monotonic() - t0 >= 0.25  # held, not busy-returned
    poll = asyncio.create_task(call("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    stub.send_text(5, "/start")
    status, body = await poll
    first = body["result"][0]
    assert first["message"]["entities"][0]["type"] == "bot_command"
    stub.send_text(5, "hi")
    _, body = await call("getUpdates", offset=first["update_id"] + 1)
    assert [u["message"]["text"] for u in body["result"]] == ["hi"]  # the first one was confirmed
    older = asyncio.create_task(call("getUpdates", offset=body["result"][0]["update_id"] + 1, timeout=5))
    await asyncio.sleep(0.1)
    newer = asyncio.create_task(call("getUpdates", offset=body["result"][0]["update_id"] + 1, timeout=0.2))
    status, body = await older
    assert status == 409 and "terminated by other getUpdates" in body["description"]
    assert (await newer)[0] == 200


async def test_send_and_edit_semantics(api) -> None:
    stub, call, _ = api
    kb = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert (await call("sendMessage", chat_id=5, text=""))[1][
        "description"
    ] == "Bad Request: message text is empty"
    assert (await call("sendMessage", chat_id=5, text="x" * 4097))[1][
        "description"
    ] == "Bad Request: message is too long"
    bad_kb = {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]}
    assert (await call("sendMessage", chat_id=5, text="t", reply_markup=bad_kb))[1][
        "description"
    ] == "Bad Request: BUTTON_DATA_INVALID"
    status, body = await call("sendMessage", chat_id=5, text="<b>x</b> & y", parse_mode="HTML")
    assert "can't parse entities" in body["description"].lower() or "reserved" in body["description"]
    _, first = await call("sendMessage", chat_id=5, text="one", reply_markup=kb)
    _, second = await call("sendMessage", chat_id=5, text="two")
    mid = first["result"]["message_id"]
    assert second["result"]["message_id"] == mid + 1
    assert first["result"]["from"]["is_bot"] is True
    status, body = await call("editMessageText", chat_id=5, message_id=mid, text="one", reply_markup=kb)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    status, body = await call("editMessageText", chat_id=5, message_id=mid, text="one")  # drops the keyboard
    assert status == 200 and "reply_markup" not in body["result"] and body["result"]["edit_date"]
    assert stub.messages[5][mid].buttons() == []
    status, body = await call("editMessageText", chat_id=5, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"


async def test_callback_queries(api) -> None:
    stub, call, _ = api
    kb = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    await call("sendMessage", chat_id=5, text="pick", reply_markup=kb)
    with pytest.raises(LookupError):
        stub.tap(5, "Nope")
    qid = stub.tap(5, "Go")
    _, body = await call("getUpdates")
    cq = body["result"][-1]["callback_query"]
    assert cq["id"] == qid and cq["data"] == "go" and cq["chat_instance"] and cq["message"]["text"] == "pick"
    assert (await call("answerCallbackQuery", callback_query_id=qid))[0] == 200
    status, body = await call("answerCallbackQuery", callback_query_id=qid)  # repeated
    assert status == 400 and "query is too old" in body["description"]
    late = stub.tap(5, "Go")
    await asyncio.sleep(0.6)
    assert (await call("answerCallbackQuery", callback_query_id=late))[0] == 400


async def test_uploads_streamed_with_limit_and_file_ids(api) -> None:
    stub, call, http = api

    async def upload(size: int, method: str = "sendVideo", field: str = "video"):
        form = aiohttp.FormData()
        form.add_field("chat_id", "5")
        form.add_field(field, "attach://f1")
        form.add_field("f1", b"\0" * size, filename="a.mp4")
        async with http.post(f"{stub.url}/bot{stub.token}/{method}", data=form) as r:
            return r.status, await r.json()

    status, body = await upload(200_000)
    assert status == 413 and body == {
        "ok": False,
        "error_code": 413,
        "description": "Request Entity Too Large",
    }
    status, body = await upload(50_000)
    video = body["result"]["video"]
    assert status == 200 and video["file_size"] == 50_000 and video["mime_type"] == "video/mp4"
    assert stub.uploads[-1].path.stat().st_size == 50_000
    status, body = await call("sendVideo", chat_id=5, video=video["file_id"])  # by file id: no bytes
    assert status == 200 and body["result"]["video"]["file_id"] == video["file_id"] and len(stub.uploads) == 1
    status, body = await call("sendVideo", chat_id=5, video="nonsense")
    assert status == 400
    status, body = await upload(10, "sendDocument", "document")
    assert status == 200 and body["result"]["document"]["file_size"] == 10


async def test_faults_blocking_and_flood_limit(api) -> None:
    stub, call, _ = api
    stub.inject_fault("sendMessage", "retry_after", nth=2, retry_after=3)
    assert (await call("sendMessage", chat_id=5, text="1"))[0] == 200
    status, body = await call("sendMessage", chat_id=5, text="2")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert (await call("sendMessage", chat_id=5, text="3"))[0] == 200
    stub.inject_fault("sendMessage", "server_error", chat_id=6)
    assert (await call("sendMessage", chat_id=5, text="4"))[0] == 200  # another chat is unaffected
    stub.block(5)
    status, body = await call("sendMessage", chat_id=5, text="5")
    assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"
    stub.block(5, False)
    stub.flood_limit = True
    statuses = [(await call("sendMessage", chat_id=5, text=str(i)))[0] for i in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
    assert stub.rate_limited


async def test_wait_for_times_out_with_a_message(api) -> None:
    stub, _, _ = api
    with pytest.raises(TimeoutError, match="never"):
        await stub.wait_for(lambda: False, 0.1, "never")
