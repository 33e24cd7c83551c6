"""Real-ESRGAN's official PyTorch checkpoints on the project's own networks, for GPU servers.

RRDBNet (RealESRGAN_x4plus, x4plus_anime_6B) and SRVGGNetCompact (realesr-animevideov3).

The checkpoint (``RealESRGAN_x4plus.pth``) lives in ``engine.paths.models_dir()``. Where downloads
are allowed (``DIGITELLER_ALLOW_DOWNLOADS=1``, engine.settings) it is downloaded once from the
official GitHub release; otherwise, or when the download fails, the backend reports
BackendUnavailable with the URL to fetch by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.device import torch_device
from engine.errors import BackendUnavailable
from engine.paths import models_dir
from engine.settings import fetch_into_cache
from engine.upscale.base import Upscaler
from engine.upscale.models import ModelInfo

#: Tiles for the torch backend: RRDBNet needs ~2.4 KB of activations per *output* pixel in fp32.
DEFAULT_TILE = 256
DOWNLOAD_TIMEOUT = 20.0


def checkpoint_path(info: ModelInfo) -> Path:
    if info.pth_file is None:
        raise BackendUnavailable("torch", f"{info.name} has no PyTorch checkpoint; use the ncnn backend")
    return models_dir() / info.pth_file


def download_checkpoint(info: ModelInfo, timeout: float = DOWNLOAD_TIMEOUT) -> Path:
    """The official checkpoint in the model cache, fetched first where downloads are allowed
    (engine.settings: DIGITELLER_ALLOW_DOWNLOADS; atomic, a broken transfer leaves nothing)."""
    path = checkpoint_path(info)
    if path.is_file():
        return path
    assert info.pth_url is not None
    try:
        return fetch_into_cache(info.pth_url, path, block="torch", timeout=timeout)
    except BackendUnavailable as exc:
        raise BackendUnavailable(
            "torch",
            f"{exc.reason}; or download {info.pth_url} where the network allows and put it at {path}, "
            f"or convert the embedded ncnn weights: python -m engine.upscale.ncnn_weights {info.name}",
        ) from None


def load_state_dict(path: Path) -> dict[str, Any]:
    """The generator weights of a Real-ESRGAN checkpoint: under ``params_ema`` (EMA, what the
    official release ships), else ``params``, else a bare state dict."""
    import torch

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and truncation errors all mean the same to the user
        raise BackendUnavailable(
            "torch",
            f"{path} is not a readable PyTorch checkpoint ({type(exc).__name__}: {exc}); "
            "delete it and fetch it again",
        ) from None
    if isinstance(checkpoint, dict):
        for key in ("params_ema", "params"):
            if isinstance(checkpoint.get(key), dict):
                return checkpoint[key]
        if checkpoint and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
            return checkpoint
    raise BackendUnavailable(
        "torch", f"{path} holds no Real-ESRGAN weights (no 'params_ema' or 'params' key)"
    )


def build_network(state: dict[str, Any], path: Path) -> Any:
    """The network the checkpoint is for (RRDBNet: ``conv_first.*`` keys; SRVGGNetCompact:
    ``body.N.*``), shaped after its tensors, with the weights loaded strictly (every key must match)."""
    from engine.upscale.nets import rrdbnet, srvgg

    arch = "RRDBNet" if "conv_first.weight" in state else "SRVGGNetCompact"
    try:
        if arch == "RRDBNet":
            net: Any = rrdbnet.RRDBNet(rrdbnet.config_from_state_dict(state))
        else:
            net = srvgg.SRVGGNetCompact(srvgg.config_from_state_dict(state))
        net.load_state_dict(state, strict=True)
    except (ValueError, RuntimeError) as exc:
        first_line = str(exc).strip().splitlines()[0][:300]
        raise BackendUnavailable("torch", f"{path} does not fit {arch}: {first_line}") from None
    return net.eval()


class TorchUpscaler(Upscaler):
    """An RRDBNet checkpoint on ``engine.device.torch_device()`` (fp16 on CUDA, fp32 elsewhere)."""

    name = "torch"

    def __init__(
        self,
        info: ModelInfo,
        weights: Path | None = None,
        tile: int | None = None,
        alpha: str = "model",
        download: bool = False,
        device: str | None = None,
    ) -> None:
        try:
            import torch
        except ImportError as exc:
            raise BackendUnavailable("torch", f"torch does not import ({exc})") from None
        if weights is None:
            weights = download_checkpoint(info) if download else checkpoint_path(info)
        if not weights.is_file():
            raise BackendUnavailable(
                "torch",
                f"{weights} is missing; download {info.pth_url} into {weights.parent} "
                "(--backend torch fetches it with DIGITELLER_ALLOW_DOWNLOADS=1) or convert the embedded ncnn "
                f"weights: python -m engine.upscale.ncnn_weights {info.name}",
            )
        net = build_network(load_state_dict(weights), weights)
        self.weights = weights
        self._device = device or torch_device()
        self._half = self._device == "cuda"
        self.network = (net.half() if self._half else net).to(self._device)
        super().__init__(info, (net.config.scale,), DEFAULT_TILE if tile is None else tile, alpha)
        self._torch = torch

    def device(self) -> str:
        return self._device + (" fp16" if self._half else "")

    def _infer(self, chw: np.ndarray, native_scale: int) -> np.ndarray:
        torch = self._torch
        x = torch.from_numpy(np.ascontiguousarray(chw)).unsqueeze(0).to(self._device)
        if self._half:
            x = x.half()
        with torch.inference_mode():
            y = self.network(x)
        return y[0].float().cpu().numpy()
