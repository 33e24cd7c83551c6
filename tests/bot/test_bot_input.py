"""Bad input gets a clear reply, never a traceback, and nothing is lost or double-queued."""

from __future__ import annotations

import pytest

from tests.bot.conftest import ALICE, BORIS
from tests.bot.fakes import FakeEngine
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer


def no_errors(stub: StubServer) -> None:
    """Nothing the bot sent was refused (e.g. unescaped markup) and no apology for a crash was needed."""
    refused = [r for r in stub.requests if r.status == 400 and r.method.lower() != "answercallbackquery"]
    assert not refused, [(r.method, r.response) for r in refused]
    for chat in stub.transcripts:
        assert not any("went wrong on my side" in (e.get("text") or "") for e in stub.transcript(chat))


async def test_empty_prompt_asks_and_whitespace_is_not_a_prompt(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/story     ")
    await harness.reply(ALICE, "What should the story be about")
    no_errors(stub)


async def test_huge_prompt_is_refused_politely(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/story " + "very long idea " * 300)
    text = await harness.reply(ALICE, "too long")
    assert "1000" in text
    no_errors(stub)


@pytest.mark.parametrize(
    "prompt",
    [
        "<b>bold</b> & <script>alert(1)</script> dragon",
        "*stars* _under_ `code` [link](http://example.com) ~strike~ ||spoiler||",
        "quotes \"double\" 'single' and back\\slashes \\n \\\\",
        "rtl \u202e txet and zero\u200bwidth and combining e\u0301 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ],
)
async def test_markup_and_odd_unicode_are_shown_literally(
    harness: Harness, stub: StubServer, prompt: str
) -> None:
    await harness.story(ALICE, prompt)
    video = await harness.video(ALICE)
    clean = " ".join(prompt.split())
    assert clean[:20] in stub.texts(ALICE)[0]  # the voice / status message shows the prompt as typed
    assert clean[:20] in video["text"]  # and so does the caption (the title contains the prompt)
    no_errors(stub)


async def test_emoji_only_prompt_gets_a_hint(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    harness.say(ALICE, "/story 🐉🔥✨")
    text = await harness.reply(ALICE, "can't make a story")
    assert "a few words" in text
    assert engine.calls == []
    no_errors(stub)


async def test_unknown_commands_and_stray_text(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/frobnicate now")
    await harness.reply(ALICE, "don't know that command")
    harness.say(BORIS, "/stats")  # an admin command for a non-admin: it does not exist
    await harness.reply(BORIS, "Не знаю такой команды")
    harness.say(ALICE, "hello there")
    await harness.reply(ALICE, "send /story followed by your idea")
    no_errors(stub)


async def test_stale_and_foreign_buttons(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    # A button from an older deployment and one pointing at a story that does not exist.
    stub.plant_message(ALICE, "old", [("Old button", "legacy:1"), ("Ghost voice", "v:999:0")])
    stub.tap(ALICE, "Old button")
    stub.tap(ALICE, "Ghost voice")
    await stub.wait_for(lambda: len(stub.answers(ALICE)) == 2, 10)
    assert all(a["text"] == "This button is out of date." and a["alert"] for a in stub.answers(ALICE))
    # Boris taps a narrator button on Alice's message: refused, nothing queued.
    harness.say(ALICE, "/story a private tale")
    await harness.reply(ALICE, "Who should narrate")
    stub.tap(BORIS, "Joe", chat_id=ALICE)
    answer = await stub.wait_for(lambda: stub.answers(BORIS), 10)
    assert answer[0]["text"] == "Эта кнопка из чужого сообщения." and answer[0]["alert"]
    assert engine.calls == []
    story = (await harness.stories())[-1]
    assert story.status == "draft"
    # Alice can still choose; afterwards her own voice buttons are stale (already queued).
    voice_msg = stub.bot_messages(ALICE)[-1]
    stub.tap(ALICE, "Joe", message_id=voice_msg.message_id)
    await harness.video(ALICE)
    no_errors(stub)


async def test_cancel_before_choosing_a_voice(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    harness.say(ALICE, "/story never mind")
    await harness.reply(ALICE, "Who should narrate")
    stub.tap(ALICE, "Cancel")
    await harness.reply(ALICE, "was cancelled")
    assert engine.calls == []
    no_errors(stub)
