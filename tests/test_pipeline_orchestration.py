"""The pipeline's own duties with fake blocks: order, resume, redo, failure policy, progress, cancel.

The blocks themselves are tested in their own folders; here every block is a small fake that
records its calls, so these tests check only what engine.pipeline decides.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from engine import pipeline
from engine.blocks import Blocks
from engine.errors import BackendUnavailable, Cancelled, StageError
from engine.progress import CancelToken, Progress
from engine.story import CastMember, Scene, Story, StoryRequest


class Fakes:
    """Fake blocks that record their calls; ``fail`` maps a stage name to the exception it raises.

    ``blocks()`` hands them to the pipeline as an ``engine.blocks.Blocks``, exactly as
    ``build_blocks`` hands it the real ones.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: dict[str, BaseException] = {}
        self.slow_images = 0.0
        self.rates: list[tuple[str | None, str]] = []
        self.lock = threading.Lock()
        self.name = "fake"

    def _call(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]

    def blocks(self) -> Blocks:
        return Blocks(text=self, speech=self, music=self, images=self, upscale=self, video=self)

    # text
    def write(self, request: StoryRequest, report, *, chars_per_second: float) -> Story:
        self._call("text")
        assert chars_per_second == 15.0  # the narrator's reading speed reaches the writer
        report(0.5, "half")
        scenes = [
            Scene(
                index=i, text=f"Сцена {i}.", characters=["cat"], place_en="a garden", action_en="the cat naps"
            )
            for i in range(3)
        ]
        cast = [CastMember("cat", "кот", look_en="a grey cat with a red collar", kind_en="cat", hero=True)]
        return Story(
            prompt=request.prompt,
            lang="ru",
            genre="fairy_tale",
            title="T",
            text="...",
            scenes=scenes,
            cast=cast,
        )

    # speech
    def chars_per_second(self, voice: str | None, lang: str) -> float:
        self.rates.append((voice, lang))
        return 15.0

    def narrate(self, story: Story, folder: Path, report, voice: str | None) -> None:
        self._call("speech")
        story.voice = voice or "rhvoice:anna"
        for s in story.scenes:
            s.audio = f"speech/scene_{s.index:02d}.wav"

    # music
    def score(self, story: Story, folder: Path, duration: float, report) -> None:
        self._call("music")
        assert duration == 17.0  # the last scene's end on the timeline (15 s) + 2 s
        story.music = "music/score.wav"

    # images
    def illustrate(self, story: Story, folder: Path, size, report) -> None:
        time.sleep(self.slow_images)
        self._call("images")
        for s in story.scenes:
            s.image = f"images/scene_{s.index:02d}.png"
            s.image_backend, s.image_prompt_used, s.image_seed = (
                "fake",
                f"a grey cat, scene {s.index}",
                s.index,
            )

    # upscale
    def fit_frames(self, story: Story, folder: Path, size, report) -> None:
        self._call("upscale")
        for s in story.scenes:
            s.frame = s.image

    # video
    def assemble(self, story: Story, folder: Path, out_path: Path, report) -> dict:
        self._call("video")
        out_path.write_bytes(b"mp4")
        return {"file": out_path.name, "duration": 15.0}

    def layout(self, story: Story, folder: Path) -> float:
        self._call("layout")
        for i, s in enumerate(story.scenes):
            s.start, s.end = i * 5.0, i * 5.0 + 5.0
        return 15.0

    def draw_cards(self, story: Story, folder: Path, size, report) -> None:
        for s in story.scenes:
            self._call("card")
            s.image = f"images/scene_{s.index:02d}.png"


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def run(fakes: Fakes, request: StoryRequest, folder: Path, *args, **kwargs) -> Story:
    return pipeline.run_story(request, folder, *args, blocks=fakes.blocks(), **kwargs)


def test_runs_every_stage_once_and_records_them(fakes: Fakes, tmp_path: Path) -> None:
    events: list[Progress] = []
    story = run(fakes, StoryRequest("Жил-был кот"), tmp_path, events.append)
    assert sorted(fakes.calls) == sorted(["text", "speech", "layout", "music", "images", "upscale", "video"])
    assert fakes.calls[0] == "text" and fakes.calls[-1] == "video"
    assert fakes.calls.index("music") > fakes.calls.index("layout") > fakes.calls.index("speech")
    assert fakes.rates == [(None, "ru")]  # asked once, for the prompt's language
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


def test_resume_skips_finished_stages(fakes: Fakes, tmp_path: Path) -> None:
    fakes.fail["video"] = RuntimeError("disk full")
    with pytest.raises(StageError) as err:
        run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    assert err.value.stage == "video" and "disk full" in err.value.message
    fakes.calls.clear()
    del fakes.fail["video"]
    story = run(fakes, StoryRequest("ignored on resume"), tmp_path)
    assert fakes.calls == ["video"]
    assert story.prompt == "Жил-был кот"


def test_redo_redoes_dependents_only(fakes: Fakes, tmp_path: Path) -> None:
    run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    fakes.calls.clear()
    run(fakes, StoryRequest("Жил-был кот"), tmp_path, redo=("images",))
    assert sorted(fakes.calls) == ["images", "upscale", "video"]


def test_revoice_keeps_text_and_pictures(fakes: Fakes, tmp_path: Path) -> None:
    run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    fakes.calls.clear()
    story = pipeline.revoice(tmp_path, "rhvoice:pavel", blocks=fakes.blocks())
    assert sorted(fakes.calls) == ["layout", "music", "speech", "video"]
    assert story.voice == "rhvoice:pavel"
    assert pipeline.load_request(tmp_path).voice == "rhvoice:pavel"


@pytest.mark.parametrize(
    "error", [RuntimeError("no soundfont"), BackendUnavailable("music-transformer", "no soundfont")]
)
def test_music_failure_degrades_with_a_note(fakes: Fakes, tmp_path: Path, error: Exception) -> None:
    fakes.fail["music"] = error
    story = run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    assert story.music is None
    assert any("music failed" in n and "no soundfont" in n for n in story.notes)
    assert "video" in story.done


def test_images_failure_falls_back_to_cards(fakes: Fakes, tmp_path: Path) -> None:
    fakes.fail["images"] = RuntimeError("index broken")
    story = run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    assert fakes.calls.count("card") == 3
    assert all(s.image == f"images/scene_{s.index:02d}.png" for s in story.scenes)
    assert story.backends["images"].startswith("card")
    assert any("text cards" in n for n in story.notes)


def test_essential_failure_names_the_stage(fakes: Fakes, tmp_path: Path) -> None:
    fakes.fail["speech"] = RuntimeError("RHVoice crashed")
    with pytest.raises(StageError) as err:
        run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    assert err.value.stage == "speech"
    story = Story.load(tmp_path / "story.json")
    assert "text" in story.done and "speech" not in story.done and "video" not in story.done


def test_no_music_skips_the_music_block(fakes: Fakes, tmp_path: Path) -> None:
    story = run(fakes, StoryRequest("Жил-был кот", music=False), tmp_path)
    assert "music" not in fakes.calls
    assert story.backends["music"].startswith("off")


def test_cancel_stops_the_job(fakes: Fakes, tmp_path: Path) -> None:
    token = CancelToken()
    fakes.slow_images = 0.3

    def on_progress(event: Progress) -> None:
        if event.stage == "speech":
            token.cancel()

    with pytest.raises(Cancelled):
        run(fakes, StoryRequest("Жил-был кот"), tmp_path, on_progress, token)
    assert "video" not in fakes.calls


def test_unknown_redo_stage_is_refused(fakes: Fakes, tmp_path: Path) -> None:
    run(fakes, StoryRequest("Жил-был кот"), tmp_path)
    with pytest.raises(ValueError, match="unknown stage"):
        run(fakes, StoryRequest("Жил-был кот"), tmp_path, redo=("paint",))


def test_cli_refuses_to_mix_two_stories_in_one_workdir(
    fakes: Fakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine import cli

    out = tmp_path / "a.mp4"
    run(fakes, StoryRequest("Жил-был кот"), tmp_path / "a.story")
    code = cli.main(["story", "Жила-была лиса", "-o", str(out), "--quiet"], blocks=fakes.blocks())
    assert code == 2
    assert "--fresh" in capsys.readouterr().err
    assert pipeline.load_request(tmp_path / "a.story").prompt == "Жил-был кот"  # nothing lost

    fakes.calls.clear()
    assert (
        cli.main(["story", "Жила-была лиса", "-o", str(out), "--quiet", "--fresh"], blocks=fakes.blocks())
        == 0
    )
    assert fakes.calls[0] == "text"
    assert pipeline.load_request(tmp_path / "a.story").prompt == "Жила-была лиса"
    assert out.read_bytes() == b"mp4"


def test_out_json_has_the_cast_the_scene_fields_and_who_drew_each_picture(
    fakes: Fakes, tmp_path: Path
) -> None:
    from engine import cli

    out = tmp_path / "cat.mp4"
    assert cli.main(["story", "Жил-был кот", "-o", str(out), "--quiet"], blocks=fakes.blocks()) == 0
    summary = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert summary["cast"][0]["look_en"] == "a grey cat with a red collar"
    for scene in summary["scenes"]:
        assert scene["characters"] == ["cat"] and scene["action_en"] == "the cat naps"
        assert scene["image_backend"] == "fake" and scene["image_seed"] == scene["index"]
        assert scene["image_prompt_used"] == f"a grey cat, scene {scene['index']}"
