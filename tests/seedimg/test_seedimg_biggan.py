"""CLIP+BigGAN end to end with tiny random CLIP and BigGAN models loaded through the real loaders."""

from __future__ import annotations

import pytest
from seedimg_tiny import require_seed_packages

require_seed_packages("torch", "clip", "pytorch_pretrained_biggan")

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from seedimg_tiny import make_story, tiny_biggan_model  # noqa: E402

from engine.errors import BackendUnavailable  # noqa: E402
from engine.images.backends.clip_guided import biggan_model  # noqa: E402
from engine.images.backends.clip_guided.biggan import BigGANIllustrator, latents_path  # noqa: E402
from engine.progress import null_reporter  # noqa: E402

STEPS = 12


def tiny_illustrator(**options) -> BigGANIllustrator:
    settings = {"steps": STEPS, "cutouts": 8, "lr": 0.07, "device": "cpu"}
    settings.update(options)
    return BigGANIllustrator(**settings)


def test_per_block_render_equals_biggan_forward_when_rows_agree():
    model = tiny_biggan_model()
    z = torch.randn(1, 16)
    classes = torch.softmax(torch.randn(1, 10), dim=1)
    rows = biggan_model.block_count(model)
    assert rows == 1 + 5
    with torch.no_grad():
        expected = model(z, classes, 1.0)
        ours = biggan_model.render(model, z.repeat(rows, 1), classes, 1.0)
        mixed = biggan_model.render(model, torch.randn(rows, 16), classes, 1.0)
    assert ours.shape == (1, 3, 32, 32) and ours.dtype == torch.float32
    assert torch.allclose(ours, expected, atol=1e-5)
    assert not torch.allclose(mixed, expected, atol=1e-3)


def test_loader_reads_config_and_weights(tiny_biggan):
    model = biggan_model.load_biggan(tiny_biggan, "cpu")
    assert type(model).__name__ == "BigGAN" and model.config.output_dim == 32
    reference = tiny_biggan_model()
    z, classes = torch.randn(1, 16), torch.softmax(torch.randn(1, 10), dim=1)
    with torch.no_grad():
        assert torch.allclose(model(z, classes, 1.0), reference(z, classes, 1.0), atol=1e-5)


def test_wrong_weights_are_a_clear_error(tiny_biggan):
    torch.save({"embeddings.weight": torch.zeros(16, 10)}, tiny_biggan / "pytorch_model.bin")
    with pytest.raises(BackendUnavailable, match="does not match"):
        biggan_model.load_biggan(tiny_biggan, "cpu")


def test_draw_crops_to_the_video_aspect_and_the_clip_loss_goes_down(tiny_biggan, tmp_path):
    story = make_story(keywords_en=["a red dragon"])
    illustrator = tiny_illustrator()
    result = illustrator.generate(story.scenes[0], story, (1280, 720), null_reporter())
    assert result.image.shape == (1, 3, 18, 32) and result.image.dtype == torch.float32
    assert len(result.losses) == STEPS
    # The CLIP loss on a fixed set of cutouts (the same crops before and after) went down.
    assert result.end_score < result.start_score
    assert all(loss == loss and 0 <= loss < 10 for loss in result.losses)  # finite, no NaN

    out = tmp_path / "scene_00.png"
    illustrator.draw(story.scenes[0], story, (720, 1280), out, null_reporter())
    with Image.open(out) as img:
        assert img.size == (18, 32) and img.mode == "RGB"
    saved = torch.load(latents_path(out), weights_only=True)
    assert saved["noise"].shape == (6, 16) and saved["logits"].shape == (1, 10)


def test_next_scene_starts_from_the_previous_latents(tiny_biggan, tmp_path):
    story = make_story(keywords_en=["forest"])
    first = tmp_path / "scene_00.png"
    tiny_illustrator(steps=3).draw(story.scenes[0], story, (1080, 1080), first, null_reporter())
    previous = torch.load(latents_path(first), weights_only=True)
    second = tmp_path / "scene_01.png"
    tiny_illustrator(steps=0).draw(
        story.scenes[1], story, (1080, 1080), second, null_reporter(), init_image=first
    )
    continued = torch.load(latents_path(second), weights_only=True)
    assert torch.equal(continued["logits"], previous["logits"])
    assert (
        torch.nn.functional.cosine_similarity(
            continued["noise"].flatten(), previous["noise"].flatten(), dim=0
        )
        > 0.9
    )


def test_a_damaged_latents_file_only_costs_continuity(tiny_biggan, tmp_path):
    story = make_story(keywords_en=["forest"])
    first = tmp_path / "scene_00.png"
    tiny_illustrator(steps=1).draw(story.scenes[0], story, (1080, 1080), first, null_reporter())
    latents_path(first).write_bytes(b"not a torch file")
    second = tmp_path / "scene_01.png"
    tiny_illustrator(steps=1).draw(
        story.scenes[1], story, (1080, 1080), second, null_reporter(), init_image=first
    )
    assert second.is_file() and latents_path(second).is_file()
