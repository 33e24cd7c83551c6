"""Where the seed generators' weights live in the model cache, and fetching them where allowed.

Layout under ``engine.paths.models_dir()`` (the names the official releases use, so files
downloaded by hand can simply be dropped in):

- ``clip/ViT-B-32.pt`` (and the other official CLIP checkpoints, named as OpenAI publishes them);
- ``vqgan/vqgan_imagenet_f16_16384.yaml`` and ``vqgan/vqgan_imagenet_f16_16384.ckpt``
  (taming-transformers' ``configs/model.yaml`` and ``ckpts/last.ckpt``, renamed as the
  CLIP+VQGAN notebooks do);
- ``biggan/biggan-deep-512/config.json`` and ``biggan/biggan-deep-512/pytorch_model.bin``
  (the folder layout ``BigGAN.from_pretrained(path)`` reads).

Downloads are attempted only by :func:`download` (called when a file is missing at draw time or
explicitly by an asset step); without network it raises BackendUnavailable naming the file.
"""

from __future__ import annotations

import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from engine.errors import BackendUnavailable
from engine.paths import models_dir

# The official URLs. CLIP's come from clip-anytorch itself (clip.clip._MODELS) at download time;
# they are repeated here only to name the cached files without importing torch.
CLIP_FILES: dict[str, str] = {
    "RN50": "RN50.pt",
    "RN101": "RN101.pt",
    "RN50x4": "RN50x4.pt",
    "RN50x16": "RN50x16.pt",
    "RN50x64": "RN50x64.pt",
    "ViT-B/32": "ViT-B-32.pt",
    "ViT-B/16": "ViT-B-16.pt",
    "ViT-L/14": "ViT-L-14.pt",
    "ViT-L/14@336px": "ViT-L-14-336px.pt",
}

_HEIBOX = "https://heibox.uni-heidelberg.de/d/a7530b09fed84f80a887/files/?p=%2F{}&dl=1"
VQGAN_URLS: dict[str, dict[str, str]] = {
    "vqgan_imagenet_f16_16384": {
        "yaml": _HEIBOX.format("configs%2Fmodel.yaml"),
        "ckpt": _HEIBOX.format("ckpts%2Flast.ckpt"),
    },
}

BIGGAN_MODELS: tuple[str, ...] = ("biggan-deep-128", "biggan-deep-256", "biggan-deep-512")


@dataclass(frozen=True)
class WeightFile:
    """One file a backend needs: where it must be and where it officially comes from."""

    path: Path
    url: str | None

    @property
    def present(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0


def clip_file(name: str) -> WeightFile:
    if name not in CLIP_FILES:
        raise BackendUnavailable("clip", f"unknown CLIP model {name!r}; known: {', '.join(CLIP_FILES)}")
    return WeightFile(models_dir() / "clip" / CLIP_FILES[name], None)


def vqgan_files(name: str) -> list[WeightFile]:
    if name not in VQGAN_URLS:
        raise BackendUnavailable(
            "clip+vqgan", f"unknown VQGAN model {name!r}; known: {', '.join(VQGAN_URLS)}"
        )
    folder = models_dir() / "vqgan"
    urls = VQGAN_URLS[name]
    return [
        WeightFile(folder / f"{name}.yaml", urls["yaml"]),
        WeightFile(folder / f"{name}.ckpt", urls["ckpt"]),
    ]


def biggan_dir(name: str) -> Path:
    if name not in BIGGAN_MODELS:
        raise BackendUnavailable(
            "clip+biggan", f"unknown BigGAN model {name!r}; known: {', '.join(BIGGAN_MODELS)}"
        )
    return models_dir() / "biggan" / name


def biggan_files(name: str) -> list[WeightFile]:
    folder = biggan_dir(name)
    base = "https://s3.amazonaws.com/models.huggingface.co/biggan/"
    return [
        WeightFile(folder / "config.json", f"{base}{name}-config.json"),
        WeightFile(folder / "pytorch_model.bin", f"{base}{name}-pytorch_model.bin"),
    ]


def describe_missing(files: list[WeightFile]) -> str:
    """A "missing <path>" note for every absent file: the text doctor and available() show."""
    return "; ".join(f"missing {f.path}" for f in files if not f.present)


def download(file: WeightFile, backend: str, timeout: float = 30.0) -> Path:
    """Fetch one official file into the cache (atomically); BackendUnavailable when offline."""
    if file.present:
        return file.path
    if file.url is None:
        raise BackendUnavailable(backend, f"missing {file.path} and no download address is known")
    file.path.parent.mkdir(parents=True, exist_ok=True)
    partial = file.path.with_name(file.path.name + ".part")
    try:
        with urllib.request.urlopen(file.url, timeout=timeout) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, length=1 << 20)
    except OSError as error:  # URLError, timeouts and disk errors are all OSErrors
        partial.unlink(missing_ok=True)
        raise BackendUnavailable(
            backend, f"missing {file.path}; downloading it failed ({error}); copy the file there by hand"
        ) from error
    partial.replace(file.path)
    return file.path
