"""What a queued story job *is*, as plain data: the spec that goes into a queue and the result
and error that come back, plus ``run_job`` that turns a spec into engine calls.

Why plain data: a job may run in this process, in a worker process, or in ``python -m engine
worker`` on another machine. A callable cannot travel to another machine; a small JSON spec can
(kind, the StoryRequest as a dict, the story folder relative to the shared DATA_DIR, the voice).
Both queues (engine.queue in-process, engine.distqueue on Redis) carry the same spec and give the
bot the same JobResult or the same exception, so the bot cannot tell them apart.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine.errors import BackendUnavailable, Cancelled, EngineError, FolderBusy, PromptError, StageError
from engine.progress import CancelToken, Progress
from engine.story import Story, StoryRequest

KINDS = ("story", "revoice")


class JobTimeout(Exception):
    """The job ran past the queue's time limit and was stopped."""


@dataclass(frozen=True)
class JobSpec:
    """One job as it travels through a queue (JSON-serialisable)."""

    job_id: int
    owner: int  # who asked (per-user limits); the engine never learns more about them
    kind: str  # "story" | "revoice"
    folder: str  # the story folder, relative to DATA_DIR
    request: dict[str, Any] = field(default_factory=dict)  # StoryRequest fields (kind "story")
    voice: str = ""  # the new narrator (kind "revoice")
    parent_folder: str | None = None  # the story being re-voiced, relative to DATA_DIR
    time_limit: float = 1800.0

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> JobSpec:
        data = json.loads(text)
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})

    def story_request(self) -> StoryRequest:
        names = {f.name for f in dataclasses.fields(StoryRequest)}
        return StoryRequest(**{k: v for k, v in self.request.items() if k in names})


@dataclass(frozen=True)
class JobResult:
    """What the bot needs from a finished story (the rest stays in the story folder)."""

    title: str
    text: str
    video_file: str  # relative to the story folder
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, story: Story) -> JobResult:
        return cls(story.title, story.text, str(story.video.get("file") or ""), dict(story.timings))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobResult:
        return cls(data["title"], data["text"], data["video_file"], dict(data.get("timings") or {}))


class StoryEngine(Protocol):
    """The two engine calls a job makes (engine.pipeline in production, a fake in tests)."""

    def run_story(
        self,
        request: StoryRequest,
        folder: Path,
        on_progress: Callable[[Progress], None],
        cancel: CancelToken,
    ) -> Story: ...

    def revoice(
        self, folder: Path, voice: str, on_progress: Callable[[Progress], None], cancel: CancelToken
    ) -> Story: ...


class PipelineEngine:
    """Production: engine.pipeline, imported on first use (models load lazily and stay warm)."""

    def run_story(
        self,
        request: StoryRequest,
        folder: Path,
        on_progress: Callable[[Progress], None],
        cancel: CancelToken,
    ) -> Story:
        from engine import pipeline

        return pipeline.run_story(request, folder, on_progress, cancel)

    def revoice(
        self, folder: Path, voice: str, on_progress: Callable[[Progress], None], cancel: CancelToken
    ) -> Story:
        from engine import pipeline

        return pipeline.revoice(folder, voice, on_progress, cancel)


def resolve(data_dir: Path, folder: str) -> Path:
    """A spec's folder on this machine (absolute folders from older rows are kept as they are)."""
    path = Path(folder)
    return path if path.is_absolute() else data_dir / path


def run_job(
    spec: JobSpec,
    data_dir: Path,
    engine: StoryEngine,
    on_progress: Callable[[Progress], None],
    cancel: CancelToken,
) -> JobResult:
    """Run one job to its result. Resumes: the pipeline skips stages already in story.json."""
    folder = resolve(data_dir, spec.folder)
    if spec.kind == "revoice":
        if not (folder / "story.json").exists():
            parent = resolve(data_dir, spec.parent_folder) if spec.parent_folder else None
            if parent is None or not (parent / "story.json").exists():
                raise StageError("speech", "the original story's files are gone", "")
            # A copy, so the original video (and its Telegram file id) stays valid.
            shutil.copytree(
                parent, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mp4", "*.tmp")
            )
        return JobResult.of(engine.revoice(folder, spec.voice, on_progress, cancel))
    folder.mkdir(parents=True, exist_ok=True)
    return JobResult.of(engine.run_story(spec.story_request(), folder, on_progress, cancel))


# ---------------------------------------------------------------------- errors as data
#: Errors that may come back from a worker over Redis, by name. JSON, not pickle: whoever can write
#: to Redis must not be able to run code in the bot. The constructor arguments come from each
#: error's own ``__reduce__`` (engine/errors.py), so nothing here knows their fields.
_KNOWN: dict[str, type[BaseException]] = {
    cls.__name__: cls
    for cls in (PromptError, StageError, BackendUnavailable, Cancelled, FolderBusy, EngineError, JobTimeout)
}


def error_to_dict(err: BaseException) -> dict[str, Any]:
    """An outcome error as JSON: its class name and constructor arguments (strings and numbers)."""
    args = err.__reduce__()[1] if type(err).__name__ in _KNOWN else (f"{type(err).__name__}: {err}",)
    return {
        "type": type(err).__name__,
        "args": [a if isinstance(a, str | int | float) else str(a) for a in args],
    }


def error_from_dict(data: dict[str, Any]) -> BaseException:
    cls = _KNOWN.get(str(data.get("type")))
    args = list(data.get("args") or [])
    return cls(*args) if cls is not None else RuntimeError(*(args or [str(data.get("type"))]))


def progress_to_dict(p: Progress) -> dict[str, Any]:
    return dataclasses.asdict(p)


def progress_from_dict(data: dict[str, Any]) -> Progress:
    return Progress(
        str(data["stage"]), float(data["fraction"]), str(data.get("message", "")), float(data["overall"])
    )
