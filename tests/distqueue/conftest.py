"""Fixtures for the distributed queue: a real redis-server on a free loopback port (append-only, in
tmp), ``python -m engine worker`` processes running the fast file-gated fake engine, and the real
bot (through the Bot API stub) with QUEUE_URL pointing at that Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bot.conftest import engine, stub  # noqa: F401  (fixtures reused)
from tests.bot.harness import Harness
from tests.telegram_stub import StubServer

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """redis-server with appendonly persistence; ``restart()`` keeps the port and the data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(self.folder),
        ]
        self.proc = subprocess.Popen(
            args, stdout=(self.folder / "redis.log").open("ab"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: redis flushes the append-only file and exits
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


class Workers:
    """``python -m engine worker`` processes with the fake engine; tests kill them as operators would."""

    def __init__(self, redis: RedisServer, data_dir: Path, tmp: Path) -> None:
        self.redis = redis
        self.data_dir = data_dir
        self.tmp = tmp
        self.gate = tmp / "gate.open"  # the fake engine waits in its gate stage until this exists
        self.log = tmp / "engine.log"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DT_FAKE_LOG": str(self.log),
            "DT_FAKE_GATE_FILE": str(self.gate),
            "DT_FAKE_GATE_STAGE": "",
            "DT_FAKE_STEP_DELAY": "0.02",
        }

    def start(
        self, n: int = 1, engine_spec: str = "tests.distqueue.fake_engine:make", **env: str
    ) -> list[subprocess.Popen[bytes]]:
        started = []
        for _ in range(n):
            i = len(self.procs)
            args = [
                sys.executable,
                "-m",
                "engine",
                "worker",
                "--queue-url",
                self.redis.url,
                "--data-dir",
                str(self.data_dir),
                "--engine",
                engine_spec,
                "--warm",
                "",
                "--id",
                f"w{i}",
                "--beat",
                "0.3",
                "--reclaim-after",
                "2",
                "-v",
            ]
            out = (self.tmp / f"worker{i}.log").open("ab")
            proc = subprocess.Popen(
                args, cwd=REPO, env={**self.env, **env}, stdout=out, stderr=subprocess.STDOUT
            )
            self.procs.append(proc)
            started.append(proc)
        return started

    def open_gate(self) -> None:
        self.gate.touch()

    def entries(self, event: str | None = None) -> list[dict[str, Any]]:
        import json

        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
        return [r for r in rows if event is None or r["event"] == event]

    def by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        return next(p for p in self.procs if p.pid == pid)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (Debian package; scripts/setup.sh installs it)")
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(redis_server: RedisServer, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(redis_server, tmp_path / "data", tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture
async def make_bot(
    stub: StubServer,  # noqa: F811
    engine: Any,  # noqa: F811
    redis_server: RedisServer,
    tmp_path: Path,
) -> AsyncIterator[Any]:
    started: list[Harness] = []

    async def make(bot_engine: Any = None, **overrides: Any) -> Harness:
        h = Harness(stub, bot_engine or engine, tmp_path, queue_url=redis_server.url, **overrides)
        await h.start()
        started.append(h)
        return h

    yield make
    for h in started:
        await h.stop()
