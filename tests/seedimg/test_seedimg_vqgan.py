"""CLIP+VQGAN end to end with tiny random CLIP and VQGAN models loaded through the real loaders."""

from __future__ import annotations

import pytest
from seedimg_tiny import require_seed_packages

require_seed_packages("torch", "clip", "taming")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from seedimg_tiny import TINY_VQGAN_PARAMS, make_story, save_tiny_vqgan  # noqa: E402

from engine.errors import BackendUnavailable  # noqa: E402
from engine.images.backends.clip_guided import vqgan_model  # noqa: E402
from engine.images.backends.clip_guided.clip_model import load_clip, tokenize  # noqa: E402
from engine.images.backends.clip_guided.vqgan import VQGANIllustrator  # noqa: E402
from engine.progress import Progress, StageReporter, null_reporter  # noqa: E402

STEPS = 12


def tiny_illustrator(**options) -> VQGANIllustrator:
    settings = {"steps": STEPS, "cutouts": 8, "max_side": 48, "lr": 0.2, "device": "cpu"}
    settings.update(options)
    return VQGANIllustrator(**settings)


def test_loaders_read_the_official_formats(tiny_vqgan, tiny_clip):
    assert tiny_clip == "torchscript"  # the same kind of file OpenAI publishes
    perceptor = load_clip("ViT-B/32", "cpu")
    assert type(perceptor).__name__ == "CLIP" and perceptor.visual.input_resolution == 32
    assert next(perceptor.parameters()).dtype == torch.float32  # fp16 weights are widened on CPU
    model = vqgan_model.load_vqgan(
        tiny_vqgan / "vqgan_imagenet_f16_16384.yaml", tiny_vqgan / "vqgan_imagenet_f16_16384.ckpt", "cpu"
    )
    assert type(model).__name__ == "VQModel" and not hasattr(model, "loss")
    assert vqgan_model.downsampling(model) == 4
    assert not any(p.requires_grad for p in model.parameters())


def test_draw_writes_a_png_and_the_clip_loss_goes_down(tiny_vqgan, tmp_path):
    story = make_story(keywords_en=["dragon", "castle"])
    events: list[Progress] = []
    out = tmp_path / "story" / "scene_00.png"
    illustrator = tiny_illustrator()
    result = illustrator.generate(story.scenes[0], story, (1280, 720), StageReporter("images", events.append))
    assert result.image.shape == (1, 3, 28, 48) and result.image.dtype == torch.float32
    assert float(result.image.min()) >= 0 and float(result.image.max()) <= 1
    assert len(result.losses) == STEPS
    # The CLIP loss on a fixed set of cutouts (the same crops before and after) went down.
    assert result.end_score < result.start_score
    assert all(loss == loss and 0 <= loss < 10 for loss in result.losses)  # finite, no NaN

    events.clear()
    illustrator.draw(story.scenes[0], story, (1280, 720), out, StageReporter("images", events.append))
    with Image.open(out) as img:
        assert img.size == (48, 28) and img.mode == "RGB"
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(events) >= STEPS + 2
    assert sorted(p.name for p in out.parent.iterdir()) == ["scene_00.png"]


def test_next_scene_starts_from_the_previous_picture(tiny_vqgan, tmp_path):
    story = make_story(keywords_en=["sea"])
    first = tmp_path / "scene_00.png"
    tiny_illustrator(steps=2).draw(story.scenes[0], story, (720, 1280), first, null_reporter())
    with Image.open(first) as img:
        assert img.size == (28, 48)  # portrait video, portrait picture
    start = tiny_illustrator(steps=0).generate(
        story.scenes[1], story, (720, 1280), null_reporter(), init_image=first
    )
    fresh = tiny_illustrator(steps=0).generate(story.scenes[1], story, (720, 1280), null_reporter())
    with Image.open(first) as img:
        previous = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)
    error_from_init = (start.image[0] - previous).abs().mean()
    error_fresh = (fresh.image[0] - previous).abs().mean()
    assert error_from_init < error_fresh


def test_hostile_prompt_only_reaches_the_tokenizer(tiny_vqgan, tmp_path):
    hostile = "../../../etc/passwd $(touch pwned) `id`; DROP TABLE; <script>\x00 🐉" * 30
    story = make_story(keywords_en=[hostile], image_prompt=hostile)
    out = tmp_path / "out" / "scene.png"
    tiny_illustrator(steps=1).draw(story.scenes[0], story, (1080, 1080), out, null_reporter())
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and "models" not in p.parts] == ["scene.png"]


def test_mismatched_checkpoint_is_a_clear_error(model_cache, tiny_clip):
    params = {**TINY_VQGAN_PARAMS, "n_embed": 32}
    save_tiny_vqgan(model_cache / "vqgan", params=params)
    # The config promises 64 codes; the checkpoint has 32.
    config = model_cache / "vqgan" / "vqgan_imagenet_f16_16384.yaml"
    config.write_text(config.read_text().replace("n_embed: 32", "n_embed: 64"))
    with pytest.raises(BackendUnavailable, match=r"does not match|size mismatch"):
        tiny_illustrator(steps=1).draw(
            make_story(["x"]).scenes[0], make_story(), (64, 64), model_cache / "a.png", null_reporter()
        )


def test_cancel_stops_the_loop(tiny_vqgan, tmp_path):
    from engine.errors import Cancelled

    reporter = StageReporter("images")
    calls = []

    def cancel_on_third(progress: Progress) -> None:
        calls.append(progress)
        if len(calls) == 3:
            reporter.cancel.cancel()

    reporter._callback = cancel_on_third
    with pytest.raises(Cancelled):
        tiny_illustrator(steps=50).draw(
            make_story(["x"]).scenes[0], make_story(), (64, 64), tmp_path / "a.png", reporter
        )
    assert len(calls) == 3 and not (tmp_path / "a.png").exists()


def test_tokenizer_truncates_anything_to_the_context():
    hostile = '🐉 ../../x $(id) \\ "quotes" <b>markup</b> \u202e\u0000 дракон ' * 200
    tokens = tokenize(hostile, 77)
    assert tokens.shape == (1, 77) and tokens.dtype in (torch.int32, torch.int64)
    assert int(tokens[0, 0]) == 49406 and int(tokens[0, -1]) == 49407  # start and (forced) end token


def test_an_unreadable_previous_picture_only_costs_continuity(tiny_vqgan, tmp_path):
    broken = tmp_path / "scene_00.png"
    broken.write_bytes(b"\x89PNG not really")
    out = tmp_path / "scene_01.png"
    story = make_story(["moon"])
    tiny_illustrator(steps=1).draw(
        story.scenes[1], story, (1280, 720), out, null_reporter(), init_image=broken
    )
    with Image.open(out) as img:
        assert img.size == (48, 28)
