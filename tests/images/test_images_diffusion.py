"""The diffusion backend on tiny random pipelines of each preset family, loaded by ``diffusers:PATH``.

The pictures are noise (random weights); what is tested is the real loading and drawing path:
prompts from the cast reach every scene, seeds are fixed per story and scene, pictures keep the
model's native size, the safety gate redraws and then hands a scene to the composer, and an
IP-Adapter found beside the pipeline is loaded and fed each character's first appearance.
"""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("diffusers") is None, reason="diffusers not installed"
)

from engine.images import Illustrator, backends  # noqa: E402
from engine.images.backends.diffusion import DiffusionBackend, parse_spec  # noqa: E402
from engine.images.backends.diffusion.presets import PRESETS  # noqa: E402
from engine.progress import null_reporter  # noqa: E402
from engine.story import CastMember, Scene, Story  # noqa: E402


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread; with 2 shared cores, OpenMP spinning costs 10×."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Tiny pipelines saved once per session: {"sd": path, "flux": path, "kandinsky": path}."""
    import diffusers_tiny

    root = tmp_path_factory.mktemp("tiny-diffusers")
    return {
        "sd": diffusers_tiny.save_tiny_sd(root / "sd"),
        "flux": diffusers_tiny.save_tiny_flux(root / "flux"),
        "kandinsky": diffusers_tiny.save_tiny_kandinsky(root / "kandinsky"),
    }


def cast_story(seed: int = 5) -> Story:
    cast = [
        CastMember("dragon", "маленький дракон", "a small green dragon with a red scarf", "dragon", True),
        CastMember("masha", "Маша", "a girl with two braids in a yellow coat", "girl"),
    ]
    scenes = [
        Scene(1, "Жил-был маленький дракон.", characters=["dragon"], place_en="a dark forest",
              time_of_day="night", action_en="the dragon hides behind a tree", tags_en=["lantern"]),
        Scene(2, "Пришла девочка Маша.", characters=["masha", "dragon"], place_en="a dark forest",
              time_of_day="night", action_en="the girl offers the dragon a lantern"),
        Scene(3, "Они пошли домой.", characters=["dragon", "masha"], place_en="a village",
              time_of_day="morning", action_en="the dragon and the girl walk home"),
    ]  # fmt: skip
    return Story(prompt="дракон", lang="ru", genre="fairy_tale", seed=seed, cast=cast, scenes=scenes)


def draw(spec: str, story: Story, folder, size=(160, 90), backend=None):
    if backend is not None:
        backends.register(spec, backend)
    try:
        Illustrator(spec).illustrate(story, folder, size, null_reporter("images"))
    finally:
        backends.register(spec, None)
    return story


class FlagFirst:
    """A checker whose first ``times`` calls flag their first picture (a redraw then passes)."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.calls = 0

    def flags(self, images):
        self.calls += 1
        return [self.calls <= self.times] + [False] * (len(images) - 1)


@pytest.mark.parametrize("family", ["sd", "flux", "kandinsky"])
def test_each_family_draws_a_story_through_its_real_loading_path(family, tiny, tmp_path, image_index):
    spec = f"diffusers:{tiny[family]}"
    story = draw(spec, cast_story(), tmp_path)
    assert story.backends["images"] == spec
    for scene in story.scenes:
        assert scene.image_backend == spec
        assert scene.image_seed == story.seed + scene.index
        with Image.open(tmp_path / scene.image) as img:
            assert img.size == parse_spec(spec)[0].native_size((160, 90))  # native, in the video's aspect
            assert img.width > img.height
        looks = [m.look_en for m in story.cast if m.key in scene.characters]
        assert all(look in scene.image_prompt_used for look in looks), scene.image_prompt_used
    assert "the dragon hides behind a tree" in story.scenes[0].image_prompt_used
    assert (
        "at night" in story.scenes[0].image_prompt_used and "a village" in story.scenes[2].image_prompt_used
    )
    if family == "kandinsky":  # reads Russian: the scene's own text leads
        assert story.scenes[0].image_prompt_used.startswith("Жил-был маленький дракон.")
    else:
        assert story.scenes[0].image_prompt_used.startswith("the dragon hides")


def test_seeds_make_pictures_reproducible(tiny, tmp_path, image_index):
    spec = f"diffusers:{tiny['sd']}"
    a = draw(spec, cast_story(seed=9), tmp_path / "a")
    b = draw(spec, cast_story(seed=9), tmp_path / "b")
    c = draw(spec, cast_story(seed=10), tmp_path / "c")

    def pixels(story, folder, i):
        return np.asarray(Image.open(folder / story.scenes[i].image), np.int16)

    assert np.array_equal(pixels(a, tmp_path / "a", 0), pixels(b, tmp_path / "b", 0))
    assert not np.array_equal(pixels(a, tmp_path / "a", 0), pixels(a, tmp_path / "a", 1))
    assert not np.array_equal(pixels(a, tmp_path / "a", 0), pixels(c, tmp_path / "c", 0))


def test_a_batch_draws_each_scene_with_its_own_seed(tiny, tmp_path, image_index):
    spec = f"diffusers:{tiny['flux']}"
    one = draw(spec, cast_story(), tmp_path / "one", backend=DiffusionBackend(spec, device="cpu", batch=1))
    three = draw(
        spec, cast_story(), tmp_path / "three", backend=DiffusionBackend(spec, device="cpu", batch=3)
    )
    for a, b in zip(one.scenes, three.scenes, strict=True):
        x = np.asarray(Image.open(tmp_path / "one" / a.image), np.int16)
        y = np.asarray(Image.open(tmp_path / "three" / b.image), np.int16)
        assert a.image_seed == b.image_seed
        assert np.abs(x - y).max() <= 2  # the same picture, whether drawn alone or in a batch


def test_flagged_picture_is_drawn_again_with_another_seed(tiny, tmp_path, image_index):
    spec = f"diffusers:{tiny['sd']}"
    backend = DiffusionBackend(spec, checker=FlagFirst(times=1), device="cpu")
    story = draw(spec, cast_story(), tmp_path, backend=backend)
    first = story.scenes[0]
    assert first.image_backend == spec and first.image_seed != story.seed + 1
    assert any("scene 1: the safety checker flagged" in n for n in story.notes)
    assert story.scenes[1].image_seed == story.seed + 2


def test_flagged_twice_goes_to_the_composer_with_the_real_checker(tiny, tmp_path, image_index):
    """A copy of the tiny SD pipeline whose own safety checker flags everything."""
    import diffusers_tiny

    folder = tmp_path / "flagging"
    shutil.copytree(tiny["sd"], folder)
    shutil.rmtree(folder / "safety_checker")
    diffusers_tiny.save_safety_checker(folder, flag_everything=True)
    spec = f"diffusers:{folder}"
    story = draw(spec, cast_story(), tmp_path / "out")
    assert [s.image_backend for s in story.scenes] == [f"composer (after {spec})"] * 3
    assert story.backends["images"] == f"composer (after {spec})"  # nothing of the generator's was kept
    assert sum("flagged again" in n for n in story.notes) == 3
    for scene in story.scenes:
        with Image.open(tmp_path / "out" / scene.image) as img:
            assert img.size == (160, 90)  # the composer draws at the video's size


def test_no_checker_means_no_generator(tiny, tmp_path, image_index, monkeypatch):
    monkeypatch.delenv("DIGITELLER_ALLOW_DOWNLOADS", raising=False)
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "empty-cache"))
    folder = tmp_path / "unchecked"
    shutil.copytree(tiny["sd"], folder, ignore=shutil.ignore_patterns("safety_checker"))
    spec = f"diffusers:{folder}"
    row = DiffusionBackend(spec).status()
    assert not row.ready and "stable-diffusion-safety-checker" in row.detail
    story = draw(spec, cast_story(), tmp_path / "out")
    assert story.backends["images"] == "composer"
    assert any("unavailable" in n and "safety checker" in n for n in story.notes)


def test_story_without_cast_uses_the_pos_filter_words(tiny, tmp_path, image_index):
    spec = f"diffusers:{tiny['sd']}"
    story = Story(prompt="кот", lang="ru", genre="fairy_tale", seed=1,
                  scenes=[Scene(1, "Кот сидел у окна и смотрел на луну.", image_prompt="кот окно луна")])  # fmt: skip
    draw(spec, story, tmp_path)
    prompt = story.scenes[0].image_prompt_used
    assert "cat" in prompt, prompt  # English words from the word map


def test_ip_adapter_uses_each_characters_first_appearance(tiny, tmp_path, image_index):
    import diffusers_tiny

    folder = tmp_path / "with-ip"
    shutil.copytree(tiny["sd"], folder)
    diffusers_tiny.save_tiny_ip_adapter(folder)
    spec = f"diffusers:{folder}"
    backend = DiffusionBackend(spec, device="cpu")
    story = draw(spec, cast_story(), tmp_path / "out", backend=backend)
    assert backend.ip_adapter_loaded
    assert "images: IP-Adapter character references: dragon ← scene 1, masha ← scene 2" in story.notes
    assert all(s.image_backend == spec for s in story.scenes)


def test_presets_name_their_files_and_sizes():
    assert set(PRESETS) == {"sd-turbo", "flux-schnell", "kandinsky-2.2"}
    flux = PRESETS["flux-schnell"]
    assert flux.steps == 4 and flux.guidance == 0.0 and flux.cuda_dtype == "bfloat16"
    assert flux.native_size((1280, 720)) == (1360, 768)
    assert flux.native_size((720, 1280)) == (768, 1360)
    assert PRESETS["sd-turbo"].native_size((1080, 1080)) == (512, 512)
    assert ("stabilityai/sd-turbo", "unet/diffusion_pytorch_model.fp16.safetensors") in PRESETS[
        "sd-turbo"
    ].needed()
    assert PRESETS["kandinsky-2.2"].russian
    assert parse_spec("diffusers:sd-turbo")[0].name == "sd-turbo"
    assert parse_spec("diffusers:stabilityai/sd-turbo")[0].steps == 2


def test_doctor_rows_list_missing_files_without_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("DIGITELLER_ALLOW_DOWNLOADS", raising=False)
    row = DiffusionBackend("flux-schnell").status()
    assert not row.ready
    assert (
        "black-forest-labs/FLUX.1-schnell/transformer/diffusion_pytorch_model-00001-of-00003.safetensors"
        in row.detail
    )
    assert "0/" in row.detail  # n/m files in the cache


def test_an_unknown_hub_id_is_not_ready_without_its_files(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("DIGITELLER_ALLOW_DOWNLOADS", raising=False)
    row = DiffusionBackend("diffusers:someone/some-model").status()
    assert not row.ready and "someone/some-model/model_index.json" in row.detail
