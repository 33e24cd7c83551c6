"""A whole story to an mp4 on a CPU with a ``diffusers:PATH`` illustrator (fast: the writer, narrator
and music are fakes; images, upscale and video are the real blocks)."""

from __future__ import annotations

import importlib.util
import json
import wave
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("diffusers") is None, reason="diffusers not installed"
)

from engine import pipeline  # noqa: E402
from engine.blocks import Blocks  # noqa: E402
from engine.images import Illustrator  # noqa: E402
from engine.story import CastMember, Line, Scene, Story, StoryRequest  # noqa: E402


class FakeWriter:
    """A two-scene story with a cast, as the chat-model writer returns it."""

    name = "fake-writer"

    def write(self, request: StoryRequest, report, *, chars_per_second: float) -> Story:
        cast = [CastMember("dragon", "дракон", "a small green dragon with a red scarf", "dragon", True)]
        scenes = [
            Scene(1, "Жил-был дракон.", characters=["dragon"], place_en="a dark forest", time_of_day="night",
                  action_en="the dragon lights a lantern"),
            Scene(2, "Утром он улетел.", characters=["dragon"], place_en="the sky over a forest",
                  time_of_day="morning", action_en="the dragon flies away"),
        ]  # fmt: skip
        return Story(
            request.prompt, "ru", "fairy_tale", title="Дракон", seed=request.seed, cast=cast, scenes=scenes
        )


class FakeNarrator:
    """One second of silence per scene (the video block times scenes by their narration)."""

    def chars_per_second(self, voice: str | None, lang: str) -> float:
        return 15.0

    def narrate(self, story: Story, folder: Path, report, voice: str | None) -> None:
        (folder / "speech").mkdir(exist_ok=True)
        for scene in story.scenes:
            rel = f"speech/scene_{scene.index:02d}.wav"
            with wave.open(str(folder / rel), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(22050)
                w.writeframes(b"\0\0" * 22050)
            scene.audio = rel
            scene.lines = [Line(scene.text, audio=rel, start=0.0, end=1.0)]
        story.voice = "fake"


class NoMusic:
    def score(self, story: Story, folder: Path, duration: float, report) -> None:
        story.music = None


def test_story_to_mp4_with_tiny_diffusers_pictures(tmp_path):
    import diffusers_tiny

    from engine.upscale import FrameFitter
    from engine.video import Assembler

    model = diffusers_tiny.save_tiny_sd(tmp_path / "tiny-sd")
    spec = f"diffusers:{model}"
    blocks = Blocks(text=FakeWriter(), speech=FakeNarrator(), music=NoMusic(), images=Illustrator(spec),
                    upscale=FrameFitter("auto"), video=Assembler())  # fmt: skip
    folder = tmp_path / "story"
    request = StoryRequest("Жил-был дракон", music=False, image_backend=spec, seed=7)
    story = pipeline.run_story(request, folder, blocks=blocks)
    mp4 = folder / story.video["file"]
    assert mp4.is_file() and mp4.stat().st_size > 1000
    saved = json.loads((folder / "story.json").read_text("utf-8"))
    assert saved["backends"]["images"] == spec
    for scene in saved["scenes"]:
        assert scene["image_backend"] == spec and scene["image_seed"] == 7 + scene["index"]
        assert "a small green dragon with a red scarf" in scene["image_prompt_used"]
        assert scene["frame"]
