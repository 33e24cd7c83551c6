"""Every finished story reaches its user exactly once, across restarts.

The story row records that an upload began before it begins (``delivery_started_at``) and the
Telegram file id after. A bot that stopped between finishing a story and sending it sends it at
the next start; one that stopped in the middle of the upload (began, no file id) does not send it
a second time on its own.
"""

from __future__ import annotations

from sqlalchemy import update

from storage.models import Story
from tests.bot.conftest import ALICE
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer


async def _set(h: Harness, **values: object) -> None:
    assert h.runtime is not None
    async with h.runtime.sessions.begin() as s:
        await s.execute(update(Story).values(**values))


async def test_finished_but_never_sent_is_sent_at_start(harness: Harness, stub: StubServer) -> None:
    await harness.story(ALICE, "a story finished just before a crash")
    await harness.video(ALICE)
    await harness.wait_story(lambda s: s.telegram_file_id is not None)
    await _set(harness, telegram_file_id=None, sent_as=None, delivery_started_at=None)  # as if never sent
    await harness.restart()
    await stub.wait_for(lambda: len(stub.uploads) == 2, 20, "the pending video sent at start")
    story = await harness.wait_story(lambda s: s.telegram_file_id is not None)
    assert story.delivery_started_at is not None
    await harness.restart()  # and only once: a second start sends nothing
    assert len(stub.uploads) == 2


async def test_an_upload_that_began_is_not_repeated(harness: Harness, stub: StubServer) -> None:
    await harness.story(ALICE, "a story whose upload was cut by a crash")
    await harness.video(ALICE)
    await harness.wait_story(lambda s: s.telegram_file_id is not None)
    await _set(harness, telegram_file_id=None, sent_as=None)  # began (delivery_started_at kept), no file id
    await harness.restart()
    assert len(stub.uploads) == 1
    assert len(stub.calls("sendVideo")) == 1
