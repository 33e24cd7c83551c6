"""The story pipeline: text → (narration ∥ images → upscale) → music → video.

A thin composition of the six blocks it receives (``engine.blocks.Blocks``; built from the request by
``build_blocks`` unless a caller passes its own). What it owns:

* **the folder**: everything a story makes lives in one folder with ``story.json``; a stage that
  finished is recorded in ``Story.done`` so a restarted job resumes where it stopped and one stage
  can be redone without redoing the others;
* **scheduling**: the text stage runs alone (llama.cpp collapses beside other CPU work on two
  cores); then narration and images→upscale run side by side, because each is mostly one thread
  (RHVoice/Piper, cairo) and together they fill two cores; music waits for the narration because
  its length follows the narration; the video encode runs last and alone, it uses every core;
* **progress**: one stream of ``Progress`` events with an overall fraction across all stages;
* **failure policy**: text, narration and video are essential and fail the job with a
  ``StageError`` naming the stage; music, images and upscale degrade (no music, a text card, an
  unscaled frame) and say so in ``Story.notes`` — a story without music beats no story.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

from engine.blocks import Blocks, build_blocks
from engine.device import cpu_threads
from engine.errors import Cancelled, EngineError, StageError
from engine.folder import attempt, exclusive
from engine.lang import detect_language, strip_markup
from engine.progress import CancelToken, Progress, ProgressCallback, StageReporter
from engine.story import STAGES, Story, StoryRequest

log = logging.getLogger(__name__)

#: Share of the whole job each stage takes on the reference machine (2 cores, embedded defaults);
#: only used to turn per-stage fractions into one overall progress bar.
STAGE_WEIGHTS: dict[str, float] = {
    "text": 0.22,
    "speech": 0.18,
    "music": 0.08,
    "images": 0.12,
    "upscale": 0.05,
    "video": 0.35,
}

#: Which stages must be redone when a stage is redone.
DEPENDENTS: dict[str, tuple[str, ...]] = {
    "text": ("speech", "music", "images", "upscale", "video"),
    "speech": ("music", "video"),
    "music": ("video",),
    "images": ("upscale", "video"),
    "upscale": ("video",),
    "video": (),
}

STORY_FILE = "story.json"
REQUEST_FILE = "request.json"
VIDEO_FILE = "story.mp4"


class _Overall:
    """Combines per-stage fractions (stages may run in parallel) into one overall fraction."""

    def __init__(self, callback: ProgressCallback | None, skipped: set[str]) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        total = sum(w for s, w in STAGE_WEIGHTS.items() if s not in skipped) or 1.0
        self._weights = {s: (0.0 if s in skipped else w / total) for s, w in STAGE_WEIGHTS.items()}
        self._fractions = dict.fromkeys(STAGES, 0.0)

    def complete(self, stage: str) -> None:
        with self._lock:
            self._fractions[stage] = 1.0

    def __call__(self, event: Progress) -> None:
        with self._lock:
            self._fractions[event.stage] = event.fraction
            overall = sum(self._weights[s] * f for s, f in self._fractions.items())
        if self._callback is not None:
            try:
                self._callback(replace(event, overall=min(1.0, overall)))
            except Exception:  # a broken listener must never fail the job
                log.exception("progress callback failed")


class _Run:
    """One execution of the pipeline over one story folder."""

    def __init__(
        self,
        folder: Path,
        on_progress: ProgressCallback | None,
        cancel: CancelToken,
        skipped: set[str],
    ) -> None:
        self.folder = folder
        self.cancel = cancel
        self.overall = _Overall(on_progress, skipped)
        self.lock = threading.Lock()  # blocks running in parallel touch one Story: save under a lock
        self.story: Story | None = None

    def reporter(self, stage: str) -> StageReporter:
        return StageReporter(stage, self.overall, self.cancel)

    def save(self) -> None:
        assert self.story is not None
        with self.lock:
            self.story.save(self.folder / STORY_FILE)

    def stage(self, stage: str, work: Callable[[StageReporter], None], essential: bool = True) -> None:
        """Run one stage unless it is already done; time it, record it, map errors to the stage."""
        story = self.story
        if story is not None and stage in story.done:
            self.overall.complete(stage)
            return
        self.cancel.check()
        report = self.reporter(stage)
        report(0.0, "starting")
        started = time.perf_counter()
        try:
            work(report)
        except Cancelled:
            raise
        except Exception as exc:
            if not essential:
                log.warning("%s failed, continuing without it: %s", stage, exc)
                self._note(f"{stage} failed and was left out: {exc}")
            elif isinstance(exc, StageError):
                raise
            elif isinstance(exc, EngineError):
                raise StageError(stage, str(exc), _HINTS.get(stage, "")) from exc
            else:
                log.exception("stage %s failed", stage)
                raise StageError(stage, f"{type(exc).__name__}: {exc}", _HINTS.get(stage, "")) from exc
        elapsed = time.perf_counter() - started
        assert self.story is not None
        with self.lock:
            self.story.timings[stage] = round(elapsed, 3)
            if stage not in self.story.done:
                self.story.done.append(stage)
        self.save()
        self.overall.complete(stage)
        report(1.0, "done")

    def _note(self, text: str) -> None:
        if self.story is not None:
            with self.lock:
                self.story.notes.append(text)


_HINTS = {
    "text": "Try a shorter or clearer prompt; `python -m engine doctor` shows whether the language model is ready.",
    "speech": "Try another voice (`python -m engine voices`).",
    "video": "Check `python -m engine doctor` for ffmpeg and fonts; the story folder keeps every file.",
}


def _stage_text(run: _Run, request: StoryRequest, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        # The writer sizes the story by the narrator's reading speed; the language is the prompt's
        # (the text block always writes in the prompt's language).
        lang = detect_language(strip_markup(request.prompt))
        rate = blocks.speech.chars_per_second(request.voice, lang)
        story = blocks.text.write(request, report, chars_per_second=rate)
        story.seed = request.seed
        story.aspect = request.aspect
        run.story = story

    run.stage("text", work)


def _stage_speech(run: _Run, voice: str | None, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        assert run.story is not None
        blocks.speech.narrate(run.story, run.folder, report, voice)
        blocks.video.layout(run.story, run.folder)  # the narration sets the clock: music follows it

    run.stage("speech", work)


def _stage_music(run: _Run, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        assert run.story is not None
        duration = max((s.end for s in run.story.scenes), default=0.0) + 2.0
        blocks.music.score(run.story, run.folder, duration, report)

    run.stage("music", work, essential=False)


def _stage_images(run: _Run, request: StoryRequest, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        assert run.story is not None
        try:
            blocks.images.illustrate(run.story, run.folder, request.size, report)
        except Cancelled:
            raise
        except Exception as exc:  # a story with text cards beats no story: fall back, and say so
            log.exception("images failed; drawing text cards")
            run._note(f"images failed ({exc}); scenes show text cards instead")
            blocks.video.draw_cards(run.story, run.folder, request.size, report)
            run.story.backends["images"] = "card (text on a painted background; the image backend failed)"

    run.stage("images", work)


def _stage_upscale(run: _Run, request: StoryRequest, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        assert run.story is not None
        blocks.upscale.fit_frames(run.story, run.folder, request.size, report)

    run.stage("upscale", work, essential=False)
    assert run.story is not None
    for scene in run.story.scenes:  # a failed upscale still leaves a usable frame
        scene.frame = scene.frame or scene.image


def _stage_video(run: _Run, blocks: Blocks) -> None:
    def work(report: StageReporter) -> None:
        assert run.story is not None
        info = blocks.video.assemble(run.story, run.folder, run.folder / VIDEO_FILE, report)
        run.story.video = info
        encoder = info.get("encoder", {})
        run.story.backends["video"] = f"ffmpeg libx264 {encoder.get('preset', '')} + aac".replace("  ", " ")

    run.stage("video", work)


def _save_request(folder: Path, request: StoryRequest) -> None:
    with attempt(folder / REQUEST_FILE) as tmp:  # crash safety: never a half-written request.json
        tmp.write_text(json.dumps(asdict(request), ensure_ascii=False, indent=2), "utf-8")


def load_request(folder: Path) -> StoryRequest:
    """The request a story folder was made from (to resume it exactly)."""
    return StoryRequest(**json.loads((folder / REQUEST_FILE).read_text("utf-8")))


@exclusive  # crash safety: one runner per story folder, stale attempt files swept (engine/folder.py)
def run_story(
    request: StoryRequest,
    folder: Path,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    redo: tuple[str, ...] = (),
    blocks: Blocks | None = None,
) -> Story:
    """Make (or finish) the story in ``folder``; return it with ``video`` filled in.

    Synchronous and CPU-heavy: callers on an event loop run it in a worker thread. Calling it
    again on the same folder resumes after the last finished stage; ``redo`` names stages to do
    again (their dependents are redone too). ``blocks`` defaults to ``build_blocks(request)``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cancel = (cancel or CancelToken()).child()  # cancelled by the caller, or by us to stop a sibling stage
    skipped = set() if request.music else {"music"}
    run = _Run(folder, on_progress, cancel, skipped)
    story_path = folder / STORY_FILE
    if not (folder / REQUEST_FILE).exists():
        _save_request(folder, request)
    if story_path.exists():
        run.story = Story.load(story_path)
        _forget(run.story, redo)

    blocks = blocks or build_blocks(request)
    _stage_text(run, request, blocks)
    assert run.story is not None
    with ThreadPoolExecutor(max_workers=min(2, cpu_threads()), thread_name_prefix="stage") as pool:
        narration: Future[None] = pool.submit(_stage_speech, run, request.voice, blocks)

        def picture_stages() -> None:  # upscale needs the images: one after the other, in one thread
            _stage_images(run, request, blocks)
            _stage_upscale(run, request, blocks)

        pictures: Future[None] = pool.submit(picture_stages)
        try:
            narration.result()
            if request.music:
                _stage_music(run, blocks)
            else:
                run.story.backends["music"] = "off (requested without music)"
            pictures.result()
        except BaseException:
            cancel.cancel()  # stop the sibling stage promptly, then re-raise the first error
            raise
    _stage_video(run, blocks)
    return run.story


def _forget(story: Story, redo: tuple[str, ...]) -> None:
    for stage in redo:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
        for s in (stage, *DEPENDENTS[stage]):
            if s in story.done:
                story.done.remove(s)


@exclusive  # crash safety: held across the re-save and the inner run_story (re-entrant)
def revoice(
    folder: Path,
    voice: str,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    blocks: Blocks | None = None,
) -> Story:
    """Re-narrate an existing story with another voice: same text and pictures, new audio and video."""
    story = Story.load(folder / STORY_FILE)
    request = replace(load_request(folder), voice=voice)
    _save_request(folder, request)
    story.voice = voice
    story.save(folder / STORY_FILE)
    return run_story(request, folder, on_progress, cancel, redo=("speech",), blocks=blocks)
