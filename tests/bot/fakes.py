"""A fast fake engine with the real engine's interface, for the bot's end-to-end tests and the bench.

It is honest about what it fakes: text and pictures are not generated, but the stages run in order
with real progress events, cancellation is checked like the real engine does, ``story.json`` is
written after each stage so a restart resumes where it stopped, and the video is a real (tiny) mp4
made by ffmpeg, which the tests ffprobe after it went through the Bot API stub.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import PromptError, StageError
from engine.progress import CancelToken, Progress
from engine.story import STAGES, Story, StoryRequest


@dataclass(frozen=True)
class FakeVoice:
    id: str
    lang: str
    name: str
    gender: str = "female"
    backend: str = "fake"
    licence: str = "test"
    available: bool = True
    why_not: str = ""


VOICES = [
    FakeVoice("ru-anna", "ru", "Анна"),
    FakeVoice("ru-aleksandr", "ru", "Александр", "male"),
    FakeVoice("ru-elena", "ru", "Елена"),
    FakeVoice("en-joe", "en", "Joe", "male"),
    FakeVoice("en-slt", "en", "SLT"),
]


@dataclass
class Call:
    kind: str  # story | revoice
    folder: Path
    voice: str | None
    skipped: list[str]  # stages already done in story.json (resumed)
    ran: list[str] = field(default_factory=list)
    request: StoryRequest | None = None


class FakeEngine:
    def __init__(
        self,
        steps: int = 3,
        step_delay: float = 0.01,
        video_seconds: float = 1.0,
        video_size: str = "160x90",
        video_rate: str = "",
    ) -> None:
        self.steps = steps
        self.step_delay = step_delay
        self.video_seconds = video_seconds
        self.video_size = video_size
        self.video_rate = video_rate  # e.g. "2M" to make a bigger file (413 tests)
        self.calls: list[Call] = []
        self.gate_stage: str | None = None  # block in this stage until ``gate`` is set
        self.gate = threading.Event()
        self.entered = threading.Event()  # set when a job reaches the gate
        self.fail_stage: str | None = None
        self.fail_hint = "The picture generator ran out of memory."
        self.burn: Callable[[], None] | None = None  # CPU work per step (bench)

    # ------------------------------------------------------------------ prompt helpers
    def validate_prompt(self, prompt: str) -> str:
        text = " ".join(prompt.split())
        if not re.search(r"\w", text):
            raise PromptError(
                "no words in the prompt", hint="write a few words about the story, e.g. «a brave fox»"
            )
        return text

    def detect_language(self, text: str) -> str:
        cyr = len(re.findall(r"[а-яА-ЯёЁ]", text))
        lat = len(re.findall(r"[a-zA-Z]", text))
        return "ru" if cyr > lat else "en"

    def voices_for(self, lang: str) -> list[FakeVoice]:
        return [v for v in VOICES if v.lang == lang]

    def default_voice(self, lang: str) -> str | None:
        voices = self.voices_for(lang)
        return voices[0].id if voices else None

    # ------------------------------------------------------------------ jobs
    def run_story(
        self,
        request: StoryRequest,
        folder: Path,
        on_progress: Callable[[Progress], None],
        cancel: CancelToken,
    ) -> Story:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "story.json"
        if path.exists():
            story = Story.load(path)
        else:
            lang = request.lang if request.lang in ("ru", "en") else self.detect_language(request.prompt)
            story = Story(
                prompt=request.prompt,
                lang=lang,
                genre="fairy_tale",
                voice=request.voice or "",
                aspect=request.aspect,
                seed=request.seed,
            )
        call = Call("story", folder, request.voice, list(story.done), request=request)
        self.calls.append(call)
        for stage in STAGES:
            if stage in story.done:
                continue
            self._stage(story, stage, on_progress, cancel, call)
            story.save(path)
        return story

    def revoice(
        self, folder: Path, voice: str, on_progress: Callable[[Progress], None], cancel: CancelToken
    ) -> Story:
        path = folder / "story.json"
        story = Story.load(path)
        call = Call("revoice", folder, voice, [])
        self.calls.append(call)
        story.voice = voice
        story.done = [s for s in story.done if s not in ("speech", "video")]
        for stage in ("speech", "video"):
            self._stage(story, stage, on_progress, cancel, call)
            story.save(path)
        return story

    def _stage(
        self,
        story: Story,
        stage: str,
        on_progress: Callable[[Progress], None],
        cancel: CancelToken,
        call: Call,
    ) -> None:
        start = time.monotonic()
        index = STAGES.index(stage)
        for k in range(self.steps):
            cancel.check()
            if stage == self.gate_stage and not self.gate.is_set():
                self.entered.set()
                while not self.gate.wait(0.02):
                    cancel.check()
            if self.burn is not None:
                self.burn()
            time.sleep(self.step_delay)
            f = (k + 1) / self.steps
            on_progress(Progress(stage, f, f"step {k + 1} of {self.steps}", (index + f) / len(STAGES)))
        if stage == self.fail_stage:
            raise StageError(stage, "fake failure", self.fail_hint)
        if stage == "text":
            story.title = f"The tale of {story.prompt[:40]}"
            story.text = f"Once upon a time: {story.prompt}. " * 3 + "The end."
        if stage == "video":
            self._make_video(Path(call.folder) / "story.mp4", cancel)
            story.video = {"file": "story.mp4", "duration": self.video_seconds}
        story.timings[stage] = time.monotonic() - start
        story.done.append(stage)
        call.ran.append(stage)

    def _make_video(self, out: Path, cancel: CancelToken) -> None:
        cancel.check()
        src = "testsrc2" if self.video_rate else "testsrc"
        args = [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"{src}=size={self.video_size}:rate=10:duration={self.video_seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={self.video_seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ]
        if self.video_rate:
            args += ["-b:v", self.video_rate, "-maxrate", self.video_rate, "-bufsize", self.video_rate]
        args += ["-c:a", "aac", "-shortest", "-movflags", "+faststart", str(out)]
        subprocess.run(args, check=True, capture_output=True, timeout=120)


def ffprobe(path: Path) -> dict[str, Any]:
    import json

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out)


class CpuBurnEngine(FakeEngine):
    """The fake engine, picklable, burning real CPU per step (for the load bench and process-executor tests).

    ``burn_kind``: "python" (pure-Python arithmetic, holds the GIL in turns), "ffmpeg" (an x264 encode
    in a subprocess), or "sleep".
    """

    def __init__(self, burn_kind: str = "python", seconds_per_step: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.burn_kind = burn_kind
        self.seconds_per_step = seconds_per_step
        self.burn = self._burn

    def _burn(self) -> None:
        if self.burn_kind == "sleep":
            time.sleep(self.seconds_per_step)
        elif self.burn_kind == "ffmpeg":
            subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc2=size=1280x720:rate=25:duration={self.seconds_per_step}",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "medium",
                    "-threads",
                    "1",
                    "-f",
                    "null",
                    "-",
                ],
                check=True,
                capture_output=True,
            )
        else:
            end = time.monotonic() + self.seconds_per_step
            x = 0
            while time.monotonic() < end:
                x += sum(i * i for i in range(5000))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for key in ("gate", "entered", "burn"):
            state.pop(key, None)
        state["calls"] = []
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.burn = self._burn
