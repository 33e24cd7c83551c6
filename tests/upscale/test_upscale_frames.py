"""fit_frames and upscale_asset: where the block sits in the pipeline."""

from __future__ import annotations

import pytest
from PIL import Image
from upscale_helpers import FakeUpscaler, needs_ncnn, picture

from engine.errors import BackendUnavailable, StageError
from engine.progress import null_reporter
from engine.story import Scene, Story
from engine.upscale import frames
from engine.upscale.frames import crop_to_aspect, fit_frames, frame_size, pick_scale, upscale_asset

VIDEO = (320, 180)  # small for speed; frame_size() is checked at the real sizes below


def story_with_images(folder, sizes):
    (folder / "images").mkdir()
    scenes = []
    for i, size in enumerate(sizes, start=1):
        scene = Scene(index=i, text=f"scene {i}")
        if size is not None:
            picture(*size, seed=i).save(folder / "images" / f"scene_{i:02d}.png")
            scene.image = f"images/scene_{i:02d}.png"
        scenes.append(scene)
    return Story(prompt="p", lang="ru", genre="fairy_tale", scenes=scenes)


@pytest.fixture
def fake(monkeypatch):
    up = FakeUpscaler(scales=(2, 3, 4))
    monkeypatch.setattr(frames, "get_upscaler", lambda model="auto", backend="auto": up)
    return up


def test_frame_size_keeps_aspect_and_is_even():
    assert frame_size((1280, 720)) == (1472, 828)
    assert frame_size((720, 1280)) == (828, 1472)
    assert frame_size((1080, 1080)) == (1242, 1242)
    assert frame_size((1280, 720), 1.0) == (1280, 720)


def test_pick_scale_is_the_smallest_sufficient():
    assert pick_scale((2, 3, 4), 1.3) == 2
    assert pick_scale((2, 3, 4), 2.0) == 2
    assert pick_scale((2, 3, 4), 2.01) == 3
    assert pick_scale((2, 3, 4), 5.75) == 4
    assert pick_scale((4,), 1.5) == 4


def test_crop_to_aspect_centres():
    img = Image.new("RGB", (400, 100))
    assert crop_to_aspect(img, (16, 9)).size == (178, 100)
    assert crop_to_aspect(Image.new("RGB", (100, 400)), (16, 9)).size == (100, 56)


def test_small_images_are_upscaled_and_large_ones_skip_the_model(tmp_path, fake):
    # Frames are 368x208. 64x64 (cropped to 64x36) needs x5.75 → x4 then Lanczos; 160x90 needs x2.3
    # → x3; 480x270 already covers the 320x180 video: no model.
    story = story_with_images(tmp_path, [(64, 64), (160, 90), (480, 270), None])
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    used = sorted({scale for _shape, scale in fake.calls})
    assert used == [3, 4]
    assert {shape[1:] for shape, scale in fake.calls if scale == 4} == {(36, 64)}  # cropped before the model
    for scene in story.scenes[:3]:
        assert scene.frame == f"frames/scene_{scene.index:02d}.png"
        with Image.open(tmp_path / scene.frame) as frame:
            assert frame.size == (368, 208) and frame.mode == "RGB"
    assert story.scenes[3].frame is None
    assert (
        story.backends["upscale"]
        == "fake realesr-animevideov3 (test): 1 x3, 1 x4 of 3 frames; 1 at size, resized only"
    )


def test_frames_at_size_skip_the_model_entirely(tmp_path, fake):
    story = story_with_images(tmp_path, [(320, 180), (500, 300)])
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert fake.calls == []
    assert story.backends["upscale"] == "skipped: all frames at size"
    assert all((tmp_path / s.frame).is_file() for s in story.scenes)


def test_no_images_at_all(tmp_path, fake):
    story = story_with_images(tmp_path, [None, None])
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert story.backends["upscale"] == "skipped: no scene images" and fake.calls == []


def test_missing_image_is_a_stage_error(tmp_path, fake):
    story = story_with_images(tmp_path, [(64, 64)])
    (tmp_path / story.scenes[0].image).unlink()
    with pytest.raises(StageError, match="missing") as err:
        fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert err.value.stage == "upscale"


def test_unavailable_backend_falls_back_honestly_on_auto_only(tmp_path, monkeypatch):
    def unavailable(model="auto", backend="auto"):
        raise BackendUnavailable("ncnn", "model files missing")

    monkeypatch.setattr(frames, "get_upscaler", unavailable)
    story = story_with_images(tmp_path, [(128, 72)])
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert story.backends["upscale"].startswith("lanczos")
    assert any("Lanczos" in note for note in story.notes)
    with pytest.raises(StageError, match="model files missing"):
        fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"), model="realesrgan-x4plus")


def test_cancel_stops_between_tiles(tmp_path, fake):
    from engine.errors import Cancelled

    story = story_with_images(tmp_path, [(128, 72), (128, 72)])
    report = null_reporter("upscale")
    report.cancel.cancel()
    with pytest.raises(Cancelled):
        fit_frames(story, tmp_path, VIDEO, report)


def test_upscale_asset_reaches_exactly_min_side(fake):
    emoji = Image.new("RGBA", (72, 72), (255, 0, 0, 255))
    out = upscale_asset(emoji, 512)
    assert out.size == (512, 512) and out.mode == "RGBA"
    assert [s for _shape, s in fake.calls] == [4, 2]  # x8 = x4·x2; opaque alpha needs no model pass
    wide = upscale_asset(Image.new("RGB", (100, 50)), 200)
    assert wide.size == (400, 200)
    big = Image.new("RGB", (600, 600))
    assert upscale_asset(big, 512) is big


@needs_ncnn
def test_fit_frames_with_the_real_default_model(tmp_path):
    story = story_with_images(tmp_path, [(96, 54)])
    fit_frames(story, tmp_path, (320, 180), null_reporter("upscale"))
    assert story.backends["upscale"].startswith("ncnn realesr-animevideov3 (")
    assert "1 x4 of 1 frames" in story.backends["upscale"]
    with Image.open(tmp_path / story.scenes[0].frame) as frame:
        assert frame.size == (368, 208)


def test_transparent_scene_image_is_flattened_before_the_model(tmp_path, fake):
    story = story_with_images(tmp_path, [(64, 36)])
    Image.new("RGBA", (64, 36), (255, 0, 0, 0)).save(tmp_path / story.scenes[0].image)
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert len(fake.calls) == 1  # one RGB pass, no alpha pass
    with Image.open(tmp_path / story.scenes[0].frame) as frame:
        assert frame.mode == "RGB" and frame.getpixel((10, 10)) == (0, 0, 0)


def test_opaque_frames_at_the_video_size_are_used_as_they_are(tmp_path, fake):
    story = story_with_images(tmp_path, [VIDEO, VIDEO])
    fit_frames(story, tmp_path, VIDEO, null_reporter("upscale"))
    assert fake.calls == []
    assert [s.frame for s in story.scenes] == [s.image for s in story.scenes]
    assert not (tmp_path / "frames").exists() or not any((tmp_path / "frames").iterdir())
