"""engine.blocks.build_blocks: the one place a request's backend choices become block objects."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from engine.blocks import CardIllustrator, build_blocks
from engine.progress import null_reporter
from engine.story import Scene, Story, StoryRequest


def test_the_request_choices_reach_the_blocks() -> None:
    blocks = build_blocks(
        StoryRequest(
            "Кот", text_backend="rugpt3", image_backend="composer", upscale_model="realesrgan-x4plus"
        )
    )
    # the writer names its model once it has chosen one; until then it carries the requested spec
    assert type(blocks.text).__module__ == "engine.text.writer" and blocks.text.spec == "rugpt3"
    assert type(blocks.images).__module__ == "engine.images" and blocks.images.name == "composer"
    assert blocks.upscale.name == "realesrgan-x4plus"
    assert type(blocks.speech).__module__ == "engine.speech"
    assert type(blocks.video).__module__ == "engine.video"


def test_card_images_are_drawn_by_the_video_block(tmp_path: Path) -> None:
    blocks = build_blocks(StoryRequest("Кот", image_backend="card"))
    assert isinstance(blocks.images, CardIllustrator)
    story = Story(
        prompt="Кот", lang="ru", genre="fable", scenes=[Scene(1, "Кот спал."), Scene(2, "Кот проснулся.")]
    )
    blocks.images.illustrate(story, tmp_path, (96, 54), null_reporter("images"))
    assert story.backends["images"] == "card"
    for scene in story.scenes:
        with Image.open(tmp_path / scene.image) as img:
            assert img.size == (96, 54)


def test_the_narrator_gives_the_writer_a_reading_speed() -> None:
    from engine.speech import chars_per_second, default_voice

    narrator = build_blocks(StoryRequest("Кот")).speech
    assert narrator.chars_per_second(None, "ru") == chars_per_second(default_voice("ru"), "ru")
    assert narrator.chars_per_second("rhvoice:anna", "ru") == chars_per_second("rhvoice:anna", "ru")
