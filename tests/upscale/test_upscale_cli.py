"""``python -m engine upscale``: help, a real run, and clear messages for bad input."""

from __future__ import annotations

from PIL import Image
from upscale_helpers import needs_ncnn, picture

from engine.upscale.cli import main


def test_help_lists_models_and_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("realesr-animevideov3", "realesrgan-x4plus", "--tile", "--scale", "examples"):
        assert word in out


def test_missing_input_is_a_clear_message(tmp_path, capsys):
    assert main([str(tmp_path / "nope.png"), "-o", str(tmp_path / "o.png")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_not_an_image_is_a_clear_message(tmp_path, capsys):
    bad = tmp_path / "bad «файл» \\ 🐉.png"
    bad.write_text("<b>not an image</b>")
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not an image" in err and "Traceback" not in err


def test_bad_options(tmp_path, capsys):
    src = tmp_path / "in.png"
    picture(8, 8).save(src)
    assert main([str(src), "--scale", "40"]) == 2
    assert main([str(src), "--model", "nonsense"]) == 2
    assert main([str(src), "--tile", "-3"]) == 2


@needs_ncnn
def test_upscales_a_file(tmp_path, capsys):
    src, dst = tmp_path / "in.png", tmp_path / "out.png"
    picture(16, 10).save(src)
    assert main([str(src), "-o", str(dst), "--scale", "3", "--tile", "8"]) == 0
    with Image.open(dst) as out:
        assert out.size == (48, 30)
    assert "MP/s" in capsys.readouterr().out
