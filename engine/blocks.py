"""Composition: the six blocks a story run uses, as one typed object built by one factory.

The pipeline receives a ``Blocks`` and never imports a block itself, so a test (or another front
end) swaps any stage by passing a different object — the way diffusers' tests pass tiny components
to a pipeline — instead of monkeypatching. ``build_blocks(request)`` is the only place that turns a
request's backend choices into block objects; each block's package stays cheap to import (models
load on first use).

The Protocols below are the whole contract between the pipeline and a block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story, StoryRequest


class StoryWriter(Protocol):
    """Text: a request becomes a Story with scenes, sized by the narrator's reading speed."""

    name: str

    def write(self, request: StoryRequest, report: StageReporter, *, chars_per_second: float) -> Story: ...


class Narrator(Protocol):
    """Speech: every scene's lines to timed audio in ``folder/speech``."""

    def narrate(self, story: Story, folder: Path, report: StageReporter, voice: str | None) -> None: ...

    def chars_per_second(self, voice: str | None, lang: str) -> float: ...


class MusicScorer(Protocol):
    """Music: a score of ``duration`` seconds for the story's mood (``story.music``)."""

    def score(self, story: Story, folder: Path, duration: float, report: StageReporter) -> None: ...


class Illustrator(Protocol):
    """Images: ``folder/images/scene_XX.png`` of exactly ``size`` per scene (sets ``scene.image``)."""

    def illustrate(
        self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter
    ) -> None: ...


class FrameFitter(Protocol):
    """Upscale: each scene's picture brought to the frame size (sets ``scene.frame``)."""

    def fit_frames(
        self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter
    ) -> None: ...


class Assembler(Protocol):
    """Video: places the scenes on the clock the narration sets, draws fallback text cards, and makes
    the mp4 from frames, narration, music and subtitles."""

    def layout(self, story: Story, folder: Path) -> float: ...

    def assemble(
        self, story: Story, folder: Path, out_path: Path, report: StageReporter
    ) -> dict[str, Any]: ...

    def draw_cards(
        self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter
    ) -> None: ...


@dataclass(frozen=True)
class Blocks:
    """One field per stage; the pipeline receives this and never imports blocks."""

    text: StoryWriter
    speech: Narrator
    music: MusicScorer
    images: Illustrator
    upscale: FrameFitter
    video: Assembler


class CardIllustrator:
    """``--image-backend card``: every scene as a text card, drawn by the video block.

    Cards live in the video block (it also needs them when a picture file is missing); the images
    block imports nothing from video, so asking for cards is resolved here, at composition.
    """

    name = "card"

    def __init__(self, video: Assembler) -> None:
        self._video = video

    def illustrate(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        self._video.draw_cards(story, folder, size, report)
        story.backends["images"] = "card"


def build_blocks(request: StoryRequest) -> Blocks:
    """The blocks for a request, from its ``text_backend``, ``image_backend`` and ``upscale_model``."""
    from engine.images import Illustrator as ImagesIllustrator
    from engine.music import MusicScorer as TransformerScorer
    from engine.speech import Narrator as SpeechNarrator
    from engine.text import StoryWriter as TextWriter
    from engine.upscale import FrameFitter as RealEsrganFitter
    from engine.video import Assembler as FfmpegAssembler

    video = FfmpegAssembler()
    images: Illustrator
    if request.image_backend == "card":
        images = CardIllustrator(video)
    else:
        images = ImagesIllustrator(request.image_backend)
    return Blocks(
        text=TextWriter(request.text_backend),
        speech=SpeechNarrator(),
        music=TransformerScorer(),
        images=images,
        upscale=RealEsrganFitter(request.upscale_model),
        video=video,
    )
