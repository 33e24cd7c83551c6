"""The pipeline's own duties with fake blocks: order, resume, redo, failure policy, progress, cancel.

The blocks themselves are tested in their own folders; here every block is a small fake that
records its calls, so these tests check only what engine.pipeline decides.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine import pipeline
from engine.errors import BackendUnavailable, Cancelled, StageError
from engine.progress import CancelToken, Progress
from engine.story import Scene, Story, StoryRequest


class FakeBlocks:
    """Fake block modules; ``fail`` maps a block name to the exception it raises."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: dict[str, BaseException] = {}
        self.slow_images = 0.0
        self.lock = threading.Lock()

    def _call(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]

    def module(self, name: str):
        blocks = {
            "text": SimpleNamespace(write_story=self.write_story),
            "speech": SimpleNamespace(narrate=self.narrate),
            "timeline": SimpleNamespace(layout=self.layout),
            "music": SimpleNamespace(score=self.score),
            "images": SimpleNamespace(illustrate=self.illustrate),
            "images.card": SimpleNamespace(draw_card=self.draw_card),
            "upscale": SimpleNamespace(fit_frames=self.fit_frames),
            "video": SimpleNamespace(assemble=self.assemble),
        }
        return blocks[name]

    def write_story(self, request: StoryRequest, report) -> Story:
        self._call("text")
        report(0.5, "half")
        scenes = [Scene(index=i, text=f"Сцена {i}.") for i in range(3)]
        return Story(
            prompt=request.prompt, lang="ru", genre="fairy_tale", title="T", text="...", scenes=scenes
        )

    def narrate(self, story: Story, folder: Path, report, voice: str | None = None) -> None:
        self._call("speech")
        story.voice = voice or "rhvoice:anna"
        for s in story.scenes:
            s.audio = f"speech/scene_{s.index:02d}.wav"

    def layout(self, story: Story, folder: Path) -> float:
        self._call("timeline")
        for i, s in enumerate(story.scenes):
            s.start, s.end = i * 5.0, i * 5.0 + 5.0
        return 15.0

    def score(self, story: Story, folder: Path, duration: float, report) -> None:
        self._call("music")
        story.music = "music/score.wav"

    def illustrate(self, story: Story, folder: Path, size, report, backend: str = "auto") -> None:
        time.sleep(self.slow_images)
        self._call("images")
        for s in story.scenes:
            s.image = f"images/scene_{s.index:02d}.png"

    def draw_card(self, scene: Scene, story: Story, size, out_path: Path) -> None:
        self._call("card")
        out_path.write_bytes(b"png")

    def fit_frames(self, story: Story, folder: Path, size, report, model: str = "auto") -> None:
        self._call("upscale")
        for s in story.scenes:
            s.frame = s.image

    def assemble(self, story: Story, folder: Path, out_path: Path, report) -> dict:
        self._call("video")
        out_path.write_bytes(b"mp4")
        return {"file": out_path.name, "duration": 15.0}


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeBlocks:
    blocks = FakeBlocks()
    monkeypatch.setattr(pipeline, "_block", blocks.module)
    return blocks


def test_runs_every_stage_once_and_records_them(fakes: FakeBlocks, tmp_path: Path) -> None:
    events: list[Progress] = []
    story = pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path, events.append)
    assert sorted(fakes.calls) == sorted(
        ["text", "speech", "timeline", "music", "images", "upscale", "video"]
    )
    assert fakes.calls[0] == "text" and fakes.calls[-1] == "video"
    assert fakes.calls.index("music") > fakes.calls.index("timeline")  # music follows the narration
    assert fakes.calls.index("upscale") > fakes.calls.index("images")
    assert story.done == [s for s in story.done if s in pipeline.STAGES] and set(story.done) == set(
        pipeline.STAGES
    )
    assert set(story.timings) == set(pipeline.STAGES)
    assert story.video["file"] == "story.mp4"
    saved = Story.load(tmp_path / "story.json")
    assert saved.music == "music/score.wav" and saved.scenes[0].frame == "images/scene_00.png"
    assert (tmp_path / "request.json").exists()
    overall = [e.overall for e in events]
    assert overall[-1] == pytest.approx(1.0)
    assert all(0.0 <= o <= 1.0 for o in overall)


def test_resume_skips_finished_stages(fakes: FakeBlocks, tmp_path: Path) -> None:
    fakes.fail["video"] = RuntimeError("disk full")
    with pytest.raises(StageError) as err:
        pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    assert err.value.stage == "video" and "disk full" in err.value.message
    fakes.calls.clear()
    del fakes.fail["video"]
    story = pipeline.run_story(StoryRequest("ignored on resume"), tmp_path)
    assert fakes.calls == ["video"]
    assert story.prompt == "Жил-был кот"


def test_redo_redoes_dependents_only(fakes: FakeBlocks, tmp_path: Path) -> None:
    pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    fakes.calls.clear()
    pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path, redo=("images",))
    assert sorted(fakes.calls) == ["images", "upscale", "video"]


def test_revoice_keeps_text_and_pictures(fakes: FakeBlocks, tmp_path: Path) -> None:
    pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    fakes.calls.clear()
    story = pipeline.revoice(tmp_path, "rhvoice:pavel")
    assert sorted(fakes.calls) == ["music", "speech", "timeline", "video"]
    assert story.voice == "rhvoice:pavel"
    assert pipeline.load_request(tmp_path).voice == "rhvoice:pavel"


@pytest.mark.parametrize(
    "error", [RuntimeError("no soundfont"), BackendUnavailable("music-transformer", "no soundfont")]
)
def test_music_failure_degrades_with_a_note(fakes: FakeBlocks, tmp_path: Path, error: Exception) -> None:
    fakes.fail["music"] = error
    story = pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    assert story.music is None
    assert any("music failed" in n and "no soundfont" in n for n in story.notes)
    assert "video" in story.done


def test_images_failure_falls_back_to_cards(fakes: FakeBlocks, tmp_path: Path) -> None:
    fakes.fail["images"] = RuntimeError("index broken")
    story = pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    assert fakes.calls.count("card") == 3
    assert all(s.image == f"images/scene_{s.index:02d}.png" for s in story.scenes)
    assert story.backends["images"].startswith("card")
    assert any("text cards" in n for n in story.notes)


def test_essential_failure_names_the_stage(fakes: FakeBlocks, tmp_path: Path) -> None:
    fakes.fail["speech"] = RuntimeError("RHVoice crashed")
    with pytest.raises(StageError) as err:
        pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    assert err.value.stage == "speech"
    story = Story.load(tmp_path / "story.json")
    assert "text" in story.done and "speech" not in story.done and "video" not in story.done


def test_no_music_skips_the_music_block(fakes: FakeBlocks, tmp_path: Path) -> None:
    story = pipeline.run_story(StoryRequest("Жил-был кот", music=False), tmp_path)
    assert "music" not in fakes.calls
    assert story.backends["music"].startswith("off")


def test_cancel_stops_the_job(fakes: FakeBlocks, tmp_path: Path) -> None:
    token = CancelToken()
    fakes.slow_images = 0.3

    def on_progress(event: Progress) -> None:
        if event.stage == "speech":
            token.cancel()

    with pytest.raises(Cancelled):
        pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path, on_progress, token)
    assert "video" not in fakes.calls


def test_unknown_redo_stage_is_refused(fakes: FakeBlocks, tmp_path: Path) -> None:
    pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path)
    with pytest.raises(ValueError, match="unknown stage"):
        pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path, redo=("paint",))


def test_cli_refuses_to_mix_two_stories_in_one_workdir(
    fakes: FakeBlocks, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine import cli

    out = tmp_path / "a.mp4"
    pipeline.run_story(StoryRequest("Жил-был кот"), tmp_path / "a.story")
    code = cli.main(["story", "Жила-была лиса", "-o", str(out), "--quiet"])
    assert code == 2
    assert "--fresh" in capsys.readouterr().err
    assert pipeline.load_request(tmp_path / "a.story").prompt == "Жил-был кот"  # nothing lost

    fakes.calls.clear()
    assert cli.main(["story", "Жила-была лиса", "-o", str(out), "--quiet", "--fresh"]) == 0
    assert fakes.calls[0] == "text"
    assert pipeline.load_request(tmp_path / "a.story").prompt == "Жила-была лиса"
    assert out.read_bytes() == b"mp4"
