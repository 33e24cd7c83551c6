"""The fast fake engine inside ``python -m engine worker`` processes, steered by environment variables.

A worker is another process, so tests cannot hand it threading.Events: instead a gate is a file
(the job waits in ``DT_FAKE_GATE_STAGE`` until ``DT_FAKE_GATE_FILE`` exists, still checking its
CancelToken), and every call is logged as a JSON line in ``DT_FAKE_LOG`` (pid, folder, the stages
it found done and the ones it ran), so a test can see which worker resumed what.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from engine.progress import CancelToken, Progress
from engine.story import Story, StoryRequest
from tests.bot.fakes import Call, FakeEngine


class FileGatedEngine(FakeEngine):
    def __init__(self) -> None:
        env = os.environ
        super().__init__(
            steps=int(env.get("DT_FAKE_STEPS", "3")), step_delay=float(env.get("DT_FAKE_STEP_DELAY", "0.02"))
        )
        self.gate_stage = env.get("DT_FAKE_GATE_STAGE") or None
        self.gate_file = Path(env["DT_FAKE_GATE_FILE"]) if env.get("DT_FAKE_GATE_FILE") else None
        self.log = Path(env["DT_FAKE_LOG"]) if env.get("DT_FAKE_LOG") else None

    def _stage(self, story: Story, stage: str, on_progress: Any, cancel: CancelToken, call: Call) -> None:
        if stage == self.gate_stage and self.gate_file is not None:
            self._note({"event": "gate", "folder": str(call.folder), "stage": stage})
            while not self.gate_file.exists():
                cancel.check()
                on_progress(Progress(stage, 0.5, "waiting at the gate", 0.5))
                time.sleep(0.05)
            self.gate.set()  # the base class's in-process gate: open, the file decided
        super()._stage(story, stage, on_progress, cancel, call)

    def run_story(self, request: StoryRequest, folder: Path, on_progress: Any, cancel: CancelToken) -> Story:
        done = []
        if (folder / "story.json").exists():
            done = list(Story.load(folder / "story.json").done)
        self._note({"event": "run", "folder": str(folder), "skipped": done})
        story = super().run_story(request, folder, on_progress, cancel)
        self._note({"event": "finished", "folder": str(folder)})
        return story

    def _note(self, entry: dict[str, Any]) -> None:
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"pid": os.getpid(), "t": time.time(), **entry}) + "\n")


def make() -> FileGatedEngine:
    return FileGatedEngine()
