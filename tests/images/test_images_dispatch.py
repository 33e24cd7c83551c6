"""The block's entry: backend choice, honest fallbacks, provenance, doctor rows."""

from __future__ import annotations

import pytest
from PIL import Image

import engine.images as images
from engine.backends import BackendStatus
from engine.errors import BackendUnavailable, StageError
from engine.images import backends
from engine.images.base import ImageBackend
from engine.progress import StageReporter, null_reporter


class FakeGenerator:
    """A generator backend that draws flat colours at its own 64×64 size (a generator's native size)."""

    def __init__(
        self, name: str = "vqgan", ready: bool = True, gpu: bool = True, refuse: tuple[int, ...] = ()
    ):
        self.name, self._ready, self._gpu, self.refuse = name, ready, gpu, refuse
        self.calls: list[tuple[int, tuple[str, ...]]] = []

    def status(self) -> BackendStatus:
        return BackendStatus(
            "images", self.name, self._ready, "fake weights" if self._ready else "no weights"
        )

    def device(self) -> str:
        return "cuda" if self._gpu else "cpu"

    def draw(self, story, folder, size, report) -> None:
        todo = [s for s in story.scenes if s.image is None]
        for n, scene in enumerate(todo):
            report(n / len(todo), "half way")
            self.calls.append((scene.index, tuple(scene.keywords_en)))
            if scene.index in self.refuse:
                continue  # as the safety gate does: left for the composer
            rel = f"images/scene_{scene.index:02d}.png"
            Image.new("RGB", (64, 64), (scene.index * 40, 0, 0)).save(folder / rel)
            scene.image, scene.image_backend, scene.image_prompt_used, scene.image_seed = (
                rel,
                self.name,
                "p",
                7,
            )


@pytest.fixture
def fake(monkeypatch):
    made: list[FakeGenerator] = []

    def install(**kwargs) -> FakeGenerator:
        gen = FakeGenerator(**kwargs)
        backends.register(gen.name, gen)
        made.append(gen)
        return gen

    yield install
    for gen in made:
        backends.register(gen.name, None)


def test_fake_is_a_backend():
    assert isinstance(FakeGenerator(), ImageBackend)
    assert isinstance(backends.get_backend("composer"), ImageBackend)


def test_doctor_lists_every_backend(image_index):
    rows = images.doctor()
    assert [r.name for r in rows] == [
        "composer",
        "vqgan",
        "biggan",
        "sd-turbo",
        "flux-schnell",
        "kandinsky-2.2",
    ]
    assert all(r.block == "images" and r.detail for r in rows)
    assert rows[0].ready
    assert sum(r.default for r in rows) == 1
    assert backends.BACKENDS == ("composer", "clip_guided", "diffusion")


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(StageError, match="unknown image backend"):
        images.Illustrator("dalle")


def test_empty_story_is_a_clear_error(make_story, tmp_path):
    with pytest.raises(StageError, match="no scenes"):
        images.Illustrator("composer").illustrate(make_story([]), tmp_path, (64, 64), null_reporter("images"))


def test_auto_picks_a_generator_on_a_gpu(make_story, tmp_path, fake, image_index):
    gen = fake(name="vqgan")
    story = make_story(["Дракон спал в пещере.", "Дракон проснулся."])
    images.illustrate(story, tmp_path, (160, 90), null_reporter("images"), "auto")
    assert story.backends["images"] == "vqgan"
    assert [c[0] for c in gen.calls] == [1, 2]
    assert "dragon" in gen.calls[0][1]  # English keywords from the word map, for a story without scene fields
    with Image.open(tmp_path / "images" / "scene_02.png") as img:
        assert img.size == (64, 64)  # native size: the upscale block fits frames
    assert [s.image_backend for s in story.scenes] == ["vqgan", "vqgan"]


def test_auto_keeps_the_composer_on_a_cpu(make_story, tmp_path, fake, image_index):
    fake(name="vqgan", gpu=False)
    story = make_story(["Кот спал."])
    images.illustrate(story, tmp_path, (160, 90), null_reporter("images"), "auto")
    assert story.backends["images"] == "composer"
    rows = {r.name: r for r in images.doctor()}
    assert rows["vqgan"].ready and not rows["vqgan"].default and rows["composer"].default


def test_unavailable_backend_falls_back_to_the_composer(make_story, tmp_path, fake, image_index):
    fake(name="vqgan", ready=False)
    story = make_story(["Кот спал."])
    images.Illustrator("vqgan").illustrate(story, tmp_path, (160, 90), null_reporter("images"))
    assert story.backends["images"] == "composer"
    assert any("vqgan unavailable" in n for n in story.notes)
    assert story.scenes[0].image_backend == "composer" and story.scenes[0].image


def test_a_backend_that_stops_hands_its_scenes_to_the_composer(make_story, tmp_path, fake, image_index):
    gen = fake(name="vqgan")

    def stop(story, folder, size, report):
        raise BackendUnavailable("images", "CUDA out of memory")

    gen.draw = stop
    story = make_story(["Кот спал.", "Кот проснулся."])
    images.Illustrator("vqgan").illustrate(story, tmp_path, (160, 90), null_reporter("images"))
    assert story.backends["images"] == "composer"
    assert any("CUDA out of memory" in n for n in story.notes)


def test_refused_scenes_are_composed_and_say_so(make_story, tmp_path, fake, image_index):
    fake(name="vqgan", refuse=(2,))
    story = make_story(["Дракон спал.", "Дракон проснулся.", "Дракон улетел."])
    images.Illustrator("vqgan").illustrate(story, tmp_path, (160, 90), null_reporter("images"))
    assert [s.image_backend for s in story.scenes] == ["vqgan", "composer (after vqgan)", "vqgan"]
    assert story.backends["images"] == "vqgan + composer (scenes 2)"
    with Image.open(tmp_path / story.scenes[1].image) as img:
        assert img.size == (160, 90)


def test_progress_is_forwarded(make_story, tmp_path, fake, image_index):
    fake(name="vqgan")
    seen = []
    story = make_story(["Дракон спал.", "Дракон проснулся."])
    images.Illustrator("vqgan").illustrate(story, tmp_path, (160, 90), StageReporter("images", seen.append))
    assert [round(p.fraction, 2) for p in seen if "half way" in p.message] == [0.0, 0.5]


def test_composer_records_provenance(make_story, tmp_path, image_index):
    story = make_story(["Кот спал у окна."], seed=5)
    images.Illustrator("composer").illustrate(story, tmp_path, (160, 90), null_reporter("images"))
    scene = story.scenes[0]
    assert scene.image_backend == "composer" and scene.image_seed == 5
    assert "cat" in scene.image_prompt_used


def test_clip_guided_backend_reports_missing_weights():
    row = backends.get_backend("biggan").status()
    assert row.name == "biggan" and "clip_guided" in row.detail
