"""The block's dispatcher: backend choice, honest fallbacks, doctor rows, the seed interface."""

from __future__ import annotations

import sys
import types

import pytest
from PIL import Image

import engine.images as images
from engine.errors import StageError
from engine.progress import null_reporter


def test_doctor_lists_every_backend(image_index):
    rows = images.doctor()
    assert [r.name for r in rows] == [
        "composer",
        "vqgan",
        "biggan",
    ]  # text cards: the video block (engine.video.card)
    assert all(r.block == "images" and r.detail for r in rows)
    composer = rows[0]
    assert composer.ready
    assert sum(r.default for r in rows) == 1


def test_unknown_backend_is_a_clear_error(make_story, tmp_path):
    with pytest.raises(StageError, match="unknown image backend"):
        images.illustrate(make_story(["Кот."]), tmp_path, (64, 64), null_reporter("images"), "dalle")


def test_empty_story_is_a_clear_error(make_story, tmp_path):
    story = make_story([])
    with pytest.raises(StageError, match="no scenes"):
        images.illustrate(story, tmp_path, (64, 64), null_reporter("images"), "composer")


def _fake_seed(monkeypatch, ok: bool):
    calls = []

    class FakeIllustrator:
        def device(self):
            return "cuda"  # "auto" only takes a generator on a GPU

        def available(self):
            return ok, "fake weights" if ok else "no CLIP weights in the model cache"

        def draw(self, scene, story, size, out_path, report, init_image):
            report(0.5, "half way")  # forwarded into the stage's progress
            calls.append((scene.index, init_image, tuple(scene.keywords_en)))
            Image.new("RGB", (64, 64), (scene.index * 40, 0, 0)).save(out_path)  # a generator's own size

    module = types.ModuleType("engine.images.seed.vqgan")
    module.VQGANIllustrator = FakeIllustrator
    monkeypatch.setitem(sys.modules, "engine.images.seed", types.ModuleType("engine.images.seed"))
    monkeypatch.setitem(sys.modules, "engine.images.seed.vqgan", module)
    return calls


def test_auto_picks_vqgan_when_available_and_chains_scenes(make_story, tmp_path, monkeypatch, image_index):
    calls = _fake_seed(monkeypatch, ok=True)
    story = make_story(["Дракон спал в пещере.", "Дракон проснулся."])
    images.illustrate(story, tmp_path, (160, 90), null_reporter("images"), "auto")
    assert story.backends["images"] == "vqgan"
    assert [c[0] for c in calls] == [1, 2]
    assert calls[0][1] is None and calls[1][1] == tmp_path / "images" / "scene_01.png"
    assert "dragon" in calls[0][2]  # English keywords from the word map, for CLIP
    with Image.open(tmp_path / "images" / "scene_02.png") as img:
        assert img.size == (160, 90)


def test_unavailable_seed_backend_falls_back_to_the_composer(make_story, tmp_path, monkeypatch, image_index):
    _fake_seed(monkeypatch, ok=False)
    story = make_story(["Кот спал."])
    images.illustrate(story, tmp_path, (160, 90), null_reporter("images"), "vqgan")
    assert story.backends["images"] == "composer"
    assert any("vqgan unavailable" in n for n in story.notes)
    assert images.illustrate.__module__ == "engine.images"


def test_missing_seed_module_is_reported_not_raised(monkeypatch):
    monkeypatch.setitem(sys.modules, "engine.images.seed.biggan", None)  # import fails
    illustrator, reason = images._seed_illustrator("biggan")
    assert illustrator is None and "not installed" in reason


def test_auto_keeps_the_composer_on_a_cpu(make_story, tmp_path, monkeypatch, image_index):
    _fake_seed(monkeypatch, ok=True)
    monkeypatch.setattr(
        sys.modules["engine.images.seed.vqgan"].VQGANIllustrator, "device", lambda self: "cpu"
    )
    story = make_story(["Кот спал."])
    images.illustrate(story, tmp_path, (160, 90), null_reporter("images"), "auto")
    assert story.backends["images"] == "composer"
    rows = {r.name: r for r in images.doctor()}
    assert rows["vqgan"].ready and not rows["vqgan"].default and rows["composer"].default


def test_seed_progress_is_forwarded(make_story, tmp_path, monkeypatch, image_index):
    from engine.progress import StageReporter

    _fake_seed(monkeypatch, ok=True)
    seen = []
    report = StageReporter("images", seen.append)
    story = make_story(["Дракон спал.", "Дракон проснулся."])
    images.illustrate(story, tmp_path, (160, 90), report, "vqgan")
    fractions = [round(p.fraction, 2) for p in seen if "half way" in p.message]
    assert fractions == [0.25, 0.75]
