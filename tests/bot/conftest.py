"""Fixtures: a Bot API stub on a random port, a fast fake engine, and the real bot polling the stub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.fakes import FakeEngine
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer

ADMIN = 1000
ALICE = 2001  # English
BORIS = 2002  # Russian


@pytest.fixture
async def stub(tmp_path: Path) -> AsyncIterator[StubServer]:
    server = StubServer(workdir=tmp_path / "stub")
    (tmp_path / "stub").mkdir()
    await server.start()
    server.user(ADMIN, "Ada", "en")
    server.user(ALICE, "Alice", "en")
    server.user(BORIS, "Борис", "ru")
    yield server
    await server.stop()


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def make_harness(stub: StubServer, engine: FakeEngine, tmp_path: Path) -> AsyncIterator[object]:
    started: list[Harness] = []

    async def make(**overrides: object) -> Harness:
        h = Harness(stub, engine, tmp_path, **overrides)
        await h.start()
        started.append(h)
        return h

    yield make
    for h in started:
        await h.stop()


@pytest.fixture
async def harness(make_harness: object) -> Harness:
    return await make_harness()  # type: ignore[operator]
