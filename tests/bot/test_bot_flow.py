"""The whole conversation through the real dispatcher and the Bot API stub, with a fast fake engine."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.bot.conftest import ALICE, BORIS
from tests.bot.fakes import FakeEngine, ffprobe
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer


async def test_start_greets_in_the_users_language(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/start")
    harness.say(BORIS, "/start")
    assert "I am DigiTeller" in await harness.reply(ALICE, "DigiTeller")
    assert "Попробуйте" in await harness.reply(BORIS, "DigiTeller")
    harness.say(ALICE, "/help")
    assert "/story" in await harness.reply(ALICE, "What I can do")


async def test_story_voice_progress_video(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    engine.step_delay = 0.12  # about 2 s in all, so the 0.3 s edit interval shows several stages
    harness.say(BORIS, "/story Дракон, который боялся темноты")
    await harness.reply(BORIS, "Кто расскажет")
    labels = stub.button_labels(BORIS)
    assert labels[:3] == ["Анна ♀", "Александр ♂", "Елена ♀"]  # Russian voices for a Russian prompt
    stub.tap(BORIS, "Александр")
    video = await harness.video(BORIS)
    # One status message, edited through the stages; never a stream of new messages.
    status = stub.bot_messages(BORIS)[0]
    texts = [text for _, text in status.edits]
    assert any("в очереди" in t or "Начинаю" in t for t in texts)
    assert any("Рисую картинки" in t and "▰" in t for t in texts), texts
    assert "готова" in (status.text or "")
    assert not status.buttons()  # the Cancel button is gone at the end
    assert all(a != b for a, b in itertools.pairwise(texts))  # never an identical edit in a row
    # The video: streamable, captioned with the title, with text / re-voice buttons; a real mp4.
    assert video["streaming"] is True
    assert "The tale of Дракон" in video["text"]
    assert video["buttons"] == ["📖 Текст истории", "🎙 Другой рассказчик"]
    upload = stub.uploads[-1]
    probe = ffprobe(upload.path)
    kinds = {s["codec_type"] for s in probe["streams"]}
    assert kinds == {"video", "audio"}
    assert float(probe["format"]["duration"]) > 0.5
    assert engine.calls[-1].voice == "ru-aleksandr"
    # The story text on request, escaped, in the user's chat.
    stub.tap(BORIS, "Текст истории")
    assert "Once upon a time" in await harness.reply(BORIS, "Once upon a time")
    # No call hit the (optional) flood limiter and no edit was refused.
    assert not [r for r in stub.requests if r.status == 400 and r.method.lower() == "editmessagetext"]


async def test_last_voice_is_offered_first(harness: Harness, stub: StubServer) -> None:
    await harness.story(ALICE, "a fox who learned to fly", "SLT")
    await harness.video(ALICE)
    harness.say(ALICE, "/story a second fox")
    await stub.wait_for(lambda: len([m for m in stub.bot_messages(ALICE) if m.buttons()]) >= 2, 10)
    newest = stub.bot_messages(ALICE)[-1]
    assert newest.buttons()[0]["text"] == "SLT ♀"


async def test_story_without_prompt_asks_for_one(harness: Harness, stub: StubServer) -> None:
    harness.say(ALICE, "/story")
    await harness.reply(ALICE, "What should the story be about")
    harness.say(ALICE, "a hedgehog in the fog")
    await harness.reply(ALICE, "Who should narrate")
    stub.tap(ALICE, "Joe")
    await harness.video(ALICE)


async def test_cancel_stops_the_running_job(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    engine.gate_stage = "images"
    await harness.story(ALICE, "a long story")
    await stub.wait_for(engine.entered.is_set, 10, "job reaches images")
    stub.tap(ALICE, "Cancel")
    await harness.reply(ALICE, "was cancelled")
    calls = engine.calls[-1]
    assert "images" not in calls.ran and "video" not in calls.ran  # the work really stopped
    assert not stub.uploads
    harness.say(ALICE, "/history")
    assert "cancelled" in await harness.reply(ALICE, "recent stories")


async def test_double_tap_queues_once(harness: Harness, stub: StubServer, engine: FakeEngine) -> None:
    harness.say(ALICE, "/story twins")
    await harness.reply(ALICE, "Who should narrate")
    stub.tap(ALICE, "Joe")
    stub.tap(ALICE, "Joe")
    stub.tap(ALICE, "SLT")
    await harness.video(ALICE)
    answers = await stub.wait_for(lambda: len(stub.answers(ALICE)) >= 3 and stub.answers(ALICE), 10)
    assert sum(1 for a in answers if a["text"] == "Already on it!") == 2
    # Taps are handled concurrently: exactly one wins (whichever claimed the draft first).
    assert len(engine.calls) == 1 and engine.calls[0].voice in ("en-joe", "en-slt")
    assert len(stub.uploads) == 1


async def test_history_resends_by_file_id_and_revoices(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    await harness.story(ALICE, "a lighthouse keeper")
    first = await harness.video(ALICE)
    uploads = len(stub.uploads)
    harness.say(ALICE, "/history")
    await harness.reply(ALICE, "recent stories")
    stub.tap(ALICE, "▶ 1.")
    await stub.wait_for(lambda: len([e for e in stub.transcript(ALICE) if e["kind"] == "video"]) == 2, 10)
    again = [e for e in stub.transcript(ALICE) if e["kind"] == "video"][-1]
    assert again["file_id"] == first["file_id"] and len(stub.uploads) == uploads  # no re-upload
    # Re-voice: only speech and video are redone, in a copy of the folder.
    stub.tap(ALICE, "Another narrator")
    await stub.wait_for(lambda: "SLT ♀" in stub.button_labels(ALICE), 10)
    stub.tap(ALICE, "SLT")
    await stub.wait_for(lambda: len([e for e in stub.transcript(ALICE) if e["kind"] == "video"]) == 3, 20)
    call = engine.calls[-1]
    assert call.kind == "revoice" and call.voice == "en-slt" and call.ran == ["speech", "video"]
    original = engine.calls[0].folder
    assert (original / "story.mp4").exists() and call.folder != original


async def test_stage_failure_names_the_stage_and_retry_resumes(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    engine.fail_stage = "images"
    await harness.story(BORIS, "Кот и мышь")
    text = await harness.reply(BORIS, "не удался этап")
    assert "Рисую картинки" in text and "ran out of memory" in text
    engine.fail_stage = None
    stub.tap(BORIS, "Повторить")
    await harness.video(BORIS)
    retry = engine.calls[-1]
    assert retry.skipped == ["text", "speech", "music"]  # finished stages were kept


async def test_busy_queue_and_user_limit(make_harness: object, stub: StubServer, engine: FakeEngine) -> None:
    h: Harness = await make_harness(max_waiting=1, per_user_waiting=1)  # type: ignore[operator]
    engine.gate_stage = "text"
    await h.story(ALICE, "first")
    await stub.wait_for(engine.entered.is_set, 10)
    await h.story(ALICE, "second")
    await h.reply(ALICE, "position 1")
    await h.story(ALICE, "third")
    await h.reply(ALICE, "already have stories in progress")
    await h.story(BORIS, "четвёртая")
    await h.reply(BORIS, "занят")
    engine.gate.set()
    await stub.wait_for(lambda: len([e for e in stub.transcript(ALICE) if e["kind"] == "video"]) == 2, 30)
    # The busy story can be retried later: nothing was lost.
    stub.tap(BORIS, "Повторить")
    await h.video(BORIS)


async def test_story_folder_and_db_record(harness: Harness, stub: StubServer, tmp_path: Path) -> None:
    await harness.story(ALICE, "a record keeper")
    await harness.video(ALICE)
    await harness.wait_story(lambda s: s.telegram_file_id is not None)
    from sqlalchemy import select

    from storage.models import Job, StageTiming, Story

    assert harness.runtime is not None
    async with harness.runtime.sessions() as s:
        story = (await s.scalars(select(Story))).one()
        job = (await s.scalars(select(Job))).one()
        timings = list(await s.scalars(select(StageTiming)))
    assert story.status == "done" and story.telegram_file_id and story.sent_as == "video"
    assert Path(story.folder or "").is_relative_to(tmp_path / "data")
    assert job.status == "done" and job.started_at and job.finished_at
    assert {t.stage for t in timings} == {"text", "speech", "music", "images", "upscale", "video"}


async def test_settings_change_language_aspect_and_length(
    harness: Harness, stub: StubServer, engine: FakeEngine
) -> None:
    harness.say(ALICE, "/settings")
    await harness.reply(ALICE, "Settings")
    stub.tap(ALICE, "Picture")
    await stub.wait_for(lambda: "9:16" in stub.button_labels(ALICE), 10)
    stub.tap(ALICE, "9:16")
    await harness.reply(ALICE, "Picture: 9:16")
    stub.tap(ALICE, "Length")
    await stub.wait_for(lambda: any("short" in b for b in stub.button_labels(ALICE)), 10)
    stub.tap(ALICE, "short")
    await harness.reply(ALICE, "Length: short")
    stub.tap(ALICE, "Narrator")
    await stub.wait_for(lambda: "SLT ♀" in stub.button_labels(ALICE), 10)
    stub.tap(ALICE, "SLT")
    await harness.reply(ALICE, "Narrator: SLT")
    stub.tap(ALICE, "Language")
    await stub.wait_for(lambda: "Русский" in stub.button_labels(ALICE), 10)
    stub.tap(ALICE, "Русский")
    await harness.reply(ALICE, "Настройки")
    harness.say(ALICE, "/help")
    await harness.reply(ALICE, "Что я умею")
    await harness.story(ALICE, "a tall giraffe")  # English story, Russian interface
    await harness.video(ALICE)
    request = engine.calls[-1].request
    assert request is not None and request.aspect == "9:16" and request.duration == 45.0
    assert request.voice == "en-slt"  # the default narrator was offered first


async def test_story_through_a_worker_process(make_harness: object, stub: StubServer) -> None:
    """The production executor: the engine object is pickled into a spawned worker process."""
    from tests.bot.fakes import CpuBurnEngine

    h: Harness = await make_harness(executor="process")  # type: ignore[operator]
    h.engine = h.runtime.runner.queue.engine = CpuBurnEngine("sleep", 0.01)  # type: ignore[union-attr]
    await h.story(ALICE, "a story from another process")
    video = await h.video(ALICE, timeout=60)
    assert video["streaming"] is True
    status = stub.bot_messages(ALICE)[0]
    assert any("▰" in text for _, text in status.edits)  # progress crossed the process boundary
    assert h.engine.calls == []  # the job ran on a pickled copy in the worker, not on this object
