"""Webhook mode end to end: the stub learns setWebhook and POSTs updates to the bot's aiohttp app.

The secret token matters: Telegram sends it in X-Telegram-Bot-Api-Secret-Token, and a request
without it (or with another) must be refused before any handler runs.
"""

from __future__ import annotations

import socket

from tests.bot.conftest import ALICE
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def webhook_harness(make_harness: object) -> Harness:
    port = free_port()
    return await make_harness(  # type: ignore[operator,no-any-return]
        mode="webhook",
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_host="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )


async def test_story_through_the_webhook(make_harness: object, stub: StubServer) -> None:
    h = await webhook_harness(make_harness)
    assert stub.webhook is not None and stub.webhook["secret_token"] == SECRET
    assert not stub.calls("getUpdates")  # nothing polls in webhook mode
    h.say(ALICE, "/help")
    await h.reply(ALICE, "What I can do")
    await h.story(ALICE, "a fox who delivers letters")
    await h.video(ALICE)
    assert all(status == 200 for _, status in stub.webhook_log)
    assert len(stub.uploads) == 1


async def test_wrong_or_missing_secret_never_reaches_a_handler(
    make_harness: object, stub: StubServer
) -> None:
    await webhook_harness(make_harness)
    update = {"update_id": 999_001, "message": _help_message(ALICE)}
    assert await stub.post_update(update, None) == 401
    assert await stub.post_update(update, "not-the-secret") == 401
    assert await stub.post_update({**update, "update_id": 999_002}, SECRET) == 200
    await stub.wait_for(lambda: stub.texts(ALICE), 10)
    assert len(stub.texts(ALICE)) == 1  # only the update with the right secret was answered


def _help_message(user: int) -> dict[str, object]:
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Alice"},
        "from": {"id": user, "is_bot": False, "first_name": "Alice", "language_code": "en"},
        "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }
