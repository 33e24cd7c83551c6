"""The PyTorch backend: the project's RRDBNet against the official layout, loaded from a .pth."""

from __future__ import annotations

import re

import pytest
from upscale_helpers import picture

from engine.errors import BackendUnavailable
from engine.upscale import MODELS

torch = pytest.importorskip("torch")

from engine.upscale.backends.torch import TorchUpscaler  # noqa: E402
from engine.upscale.nets.rrdbnet import RRDBConfig, RRDBNet, config_from_state_dict  # noqa: E402

X4PLUS = MODELS["realesrgan-x4plus"]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny networks gain nothing from threads, and on a shared machine 2 threads are 10× slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_full_size_network_has_the_official_key_names_and_shapes():
    shapes = {k: tuple(v.shape) for k, v in RRDBNet().state_dict().items()}
    assert len(shapes) == 702  # 351 convolutions × (weight, bias)
    assert shapes["conv_first.weight"] == (64, 3, 3, 3)
    assert shapes["body.0.rdb1.conv1.weight"] == (32, 64, 3, 3)
    assert shapes["body.0.rdb1.conv5.weight"] == (64, 192, 3, 3)
    assert shapes["body.22.rdb3.conv4.weight"] == (32, 160, 3, 3)
    assert "body.23.rdb1.conv1.weight" not in shapes
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        assert shapes[f"{name}.weight"] == (64, 64, 3, 3)
    assert shapes["conv_last.weight"] == (3, 64, 3, 3) and shapes["conv_last.bias"] == (3,)
    # RealESRGAN_x4plus.pth holds 16,697,987 numbers; the same count follows from the ncnn file:
    # 33,424,520 bytes = fp16 weights + 351 four-byte tags + fp32 biases.
    assert sum(v.numel() for v in RRDBNet().parameters()) == 16_697_987


def test_layer_layout_matches_the_ncnn_conversion_of_the_official_model():
    """The ncnn .param of realesrgan-x4plus lists each convolution's output channels and weight count
    in graph order; the project's RRDBNet must have the same, conv for conv."""
    from engine.upscale.models import find_ncnn_files

    try:
        param = find_ncnn_files(X4PLUS, 4).param.read_text()
    except BackendUnavailable:
        pytest.skip("Real-ESRGAN ncnn model files not installed")
    ncnn_convs = [
        (int(re.search(r" 0=(\d+)", line)[1]), int(re.search(r" 6=(\d+)", line)[1]))
        for line in param.splitlines()
        if line.startswith("Convolution")
    ]
    ours = [(m.out_channels, m.weight.numel()) for m in RRDBNet().modules() if isinstance(m, torch.nn.Conv2d)]
    assert ours == ncnn_convs


def random_checkpoint(path, key="params_ema", num_block=2):
    """A randomly initialised RRDBNet with the official key names, saved like the official release."""
    torch.manual_seed(0)
    net = RRDBNet(RRDBConfig(num_block=num_block))
    torch.save({key: net.state_dict()}, path)
    return net


@pytest.mark.parametrize("key", ["params_ema", "params"])
def test_loads_a_random_official_style_checkpoint_and_upscales(tmp_path, key):
    weights = tmp_path / "RealESRGAN_x4plus.pth"
    reference = random_checkpoint(weights, key)
    up = TorchUpscaler(X4PLUS, weights=weights, tile=0, device="cpu")
    assert up.name == "torch" and up.scale == 4 and up.network.config.num_block == 2
    for name, tensor in reference.state_dict().items():
        assert torch.equal(up.network.state_dict()[name], tensor), name
    img = picture(10, 6)
    assert up.upscale(img).size == (40, 24)
    assert up.upscale(img, 2).size == (20, 12)


def test_torch_tiles_match_whole_image(tmp_path):
    """One narrow RRDB: receptive radius 17 convs at input resolution (+ <2 px after upsampling)."""
    import numpy as np

    weights = tmp_path / "w.pth"
    torch.manual_seed(1)
    torch.save(
        {"params_ema": RRDBNet(RRDBConfig(num_feat=8, num_grow_ch=4, num_block=1)).state_dict()}, weights
    )
    img = picture(48, 40)
    whole = TorchUpscaler(X4PLUS, weights=weights, tile=0, device="cpu").upscale(img)
    up = TorchUpscaler(X4PLUS, weights=weights, tile=16, device="cpu")
    up.tile_pad = 20
    diff = np.abs(np.asarray(whole, dtype=int) - np.asarray(up.upscale(img), dtype=int))
    assert diff.max() <= 1
    up.tile_pad = 2  # and the check has teeth: too little context shows
    seamy = np.abs(np.asarray(whole, dtype=int) - np.asarray(up.upscale(img), dtype=int))
    assert seamy.max() > 1


def test_config_is_read_from_the_checkpoint():
    state = RRDBNet(RRDBConfig(num_feat=16, num_grow_ch=8, num_block=3)).state_dict()
    assert config_from_state_dict(state) == RRDBConfig(3, 3, 16, 3, 8, 4)
    x2 = RRDBNet(RRDBConfig(num_feat=8, num_grow_ch=4, num_block=1, scale=2)).state_dict()
    assert config_from_state_dict(x2).scale == 2


def test_corrupt_checkpoint_gives_a_clear_error(tmp_path):
    weights = tmp_path / "RealESRGAN_x4plus.pth"
    random_checkpoint(weights)
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(BackendUnavailable, match=re.escape(str(weights))):
        TorchUpscaler(X4PLUS, weights=weights)


def test_checkpoint_of_another_network_gives_a_clear_error(tmp_path):
    weights = tmp_path / "other.pth"
    torch.save({"params_ema": {"conv_first.weight": torch.zeros(8, 3, 3, 3)}}, weights)
    with pytest.raises(BackendUnavailable, match=r"does not fit RRDBNet|not an RRDBNet"):
        TorchUpscaler(X4PLUS, weights=weights)


def test_missing_checkpoint_without_downloads_names_file_url_and_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path))
    monkeypatch.delenv("DIGITELLER_ALLOW_DOWNLOADS", raising=False)
    with pytest.raises(BackendUnavailable) as err:
        TorchUpscaler(X4PLUS, download=True)
    message = str(err.value)
    assert "DIGITELLER_ALLOW_DOWNLOADS=1" in message and X4PLUS.pth_url in message
    assert not list(tmp_path.iterdir())


def test_missing_checkpoint_offline_names_file_and_url(tmp_path, monkeypatch):
    import urllib.request

    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path))
    monkeypatch.setenv("DIGITELLER_ALLOW_DOWNLOADS", "1")

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(BackendUnavailable) as err:
        TorchUpscaler(X4PLUS, download=True)
    message = str(err.value)
    assert str(tmp_path / "RealESRGAN_x4plus.pth") in message and X4PLUS.pth_url in message
    assert not list(tmp_path.iterdir())  # no half-written file left behind
    with pytest.raises(BackendUnavailable, match="missing"):
        TorchUpscaler(X4PLUS)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["realesrgan-x4plus-anime", "realesrgan-x4plus"])
def test_own_rrdbnet_with_the_real_weights_reproduces_ncnn(tmp_path, model):
    """The real Real-ESRGAN weights, read back from the ncnn file into our RRDBNet and saved as an
    official-style .pth, give the same pixels as ncnn: the network definition is numerically right."""
    import numpy as np

    from engine.upscale import get_upscaler
    from engine.upscale.models import find_ncnn_files
    from engine.upscale.ncnn_weights import state_dict_from_ncnn

    try:
        files = find_ncnn_files(MODELS[model], 4)
    except BackendUnavailable:
        pytest.skip("Real-ESRGAN ncnn model files not installed")
    weights = tmp_path / "converted.pth"
    torch.save({"params_ema": state_dict_from_ncnn(files.param, files.bin)}, weights)
    img = picture(20, 14, seed=5)
    ours = np.asarray(TorchUpscaler(MODELS[model], weights=weights, tile=0, device="cpu").upscale(img), int)
    ncnn_out = np.asarray(get_upscaler(model, "ncnn", tile=0).upscale(img), int)
    diff = np.abs(ours - ncnn_out)
    assert diff.max() <= 2 and diff.mean() < 0.01  # measured: max 0 (anime), max 1 / mean 0.00015 (x4plus)


def test_ncnn_weight_reader_rejects_a_mismatched_file(tmp_path):
    from engine.upscale.models import find_ncnn_files
    from engine.upscale.ncnn_weights import read_conv_weights

    try:
        files = find_ncnn_files(MODELS["realesrgan-x4plus-anime"], 4)
    except BackendUnavailable:
        pytest.skip("Real-ESRGAN ncnn model files not installed")
    short = tmp_path / "short.bin"
    short.write_bytes(files.bin.read_bytes()[:-100])
    with pytest.raises(ValueError):
        read_conv_weights(files.param, short)


ANIME_V3 = MODELS["realesr-animevideov3"]


def test_srvgg_full_size_layout_matches_the_ncnn_conversion():
    from engine.upscale.models import find_ncnn_files
    from engine.upscale.nets.srvgg import SRVGGNetCompact

    keys = SRVGGNetCompact().state_dict()
    assert tuple(keys["body.0.weight"].shape) == (64, 3, 3, 3) and tuple(keys["body.1.weight"].shape) == (64,)
    assert tuple(keys["body.34.weight"].shape) == (48, 64, 3, 3) and "body.35.weight" not in keys
    try:
        param = find_ncnn_files(ANIME_V3, 4).param.read_text()
    except BackendUnavailable:
        pytest.skip("Real-ESRGAN ncnn model files not installed")
    ncnn_layers = [
        (line.split()[0], int(re.search(r" 0=(\d+)", line)[1]))
        for line in param.splitlines()
        if line.startswith(("Convolution", "PReLU"))
    ]
    ours = [
        ("PReLU", m.num_parameters) if isinstance(m, torch.nn.PReLU) else ("Convolution", m.out_channels)
        for m in SRVGGNetCompact().modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.PReLU))
    ]
    assert ours == ncnn_layers


def test_loads_a_random_srvgg_checkpoint_and_upscales(tmp_path):
    from engine.upscale.nets.srvgg import SRVGGConfig, SRVGGNetCompact

    weights = tmp_path / "realesr-animevideov3.pth"
    torch.manual_seed(0)
    torch.save({"params": SRVGGNetCompact(SRVGGConfig(num_feat=8, num_conv=2)).state_dict()}, weights)
    up = TorchUpscaler(ANIME_V3, weights=weights, tile=0, device="cpu")
    assert up.network.config == SRVGGConfig(3, 3, 8, 2, 4) and up.scales == (4,)
    img = picture(10, 6)
    assert up.upscale(img).size == (40, 24) and up.upscale(img, 3).size == (30, 18)


def test_srvgg_with_the_real_weights_reproduces_ncnn(tmp_path):
    """realesr-animevideov3's real weights, read from the ncnn file into our SRVGGNetCompact."""
    import numpy as np

    from engine.upscale import get_upscaler
    from engine.upscale.models import find_ncnn_files
    from engine.upscale.ncnn_weights import state_dict_from_ncnn

    try:
        files = find_ncnn_files(ANIME_V3, 4)
    except BackendUnavailable:
        pytest.skip("Real-ESRGAN ncnn model files not installed")
    weights = tmp_path / "converted.pth"
    torch.save({"params": state_dict_from_ncnn(files.param, files.bin)}, weights)
    img = picture(20, 14, seed=5)
    ours = np.asarray(TorchUpscaler(ANIME_V3, weights=weights, tile=0, device="cpu").upscale(img, 4), int)
    ncnn_out = np.asarray(get_upscaler(ANIME_V3.name, "ncnn", tile=0).upscale(img, 4), int)
    diff = np.abs(ours - ncnn_out)
    assert diff.max() <= 2 and diff.mean() < 0.05
