"""Make ``import torchvision`` work beside the project's CPU torch, for clip, taming — and everyone.

Why this exists: clip-anytorch and taming-transformers import torchvision (clip for its
preprocessing transforms, taming's LPIPS for a VGG). The only torchvision that pip can install next
to the project's pinned CPU ``torch==2.13.0`` is ``torchvision==0.28.0``, a CUDA build whose C++
extension (``torchvision/_C.so``) cannot load beside a CPU torch. torchvision tolerates a missing
extension everywhere except in ``torchvision/_meta_registrations.py``, which registers fake kernels
for two operators (``torchvision::nms`` and ``torchvision::qnms``) unconditionally; that fails with
"operator torchvision::nms does not exist". Worse, once torchvision is *installed*, other libraries
that import it when present (transformers' model classes, for one) fail the same way, so the fix
must run before anything in the process imports torchvision, not only before clip.

The least invasive fix, in two parts:

- :func:`prepare_operator_schemas` does what torchvision's own ``extension.py`` does first — load
  ``_C`` — and only if that fails *defines* the two operator schemas (no kernels). On a GPU machine
  with a matching torch/torchvision pair the extension loads and nothing else is touched. With the
  schemas defined, transforms and models work; torchvision's compiled ops (nms, roi_align,
  deform_conv2d) stay unusable, and neither clip, taming's VQGAN nor transformers' text models
  need them.
- :func:`install_import_hook` puts a tiny finder at the front of ``sys.meta_path`` that runs
  ``prepare_operator_schemas`` the first time anything imports torchvision, then steps aside. It
  costs nothing at install time (torch is imported only when torchvision is), so the engine's
  top-level package can install it.

:func:`ensure_torchvision` is what the seed loaders call; it also repairs a process in which a
failed torchvision import already happened.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
import threading
from pathlib import Path

#: The schemas torchvision's C++ extension would have defined (from torchvision/csrc/ops/nms.cpp).
MISSING_SCHEMAS: tuple[str, ...] = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

_lock = threading.RLock()
_library = None  # keeps the schema registrations alive for the life of the process
_prepared: str | None = None


def _operator_defined(name: str) -> bool:
    import torch

    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True


def _load_extension(folder: Path) -> bool:
    """Load torchvision's compiled ops the way torchvision would; False when they cannot load."""
    import torch

    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        library = folder / f"_C{suffix}"
        if library.is_file():
            try:
                torch.ops.load_library(str(library))
            except (OSError, RuntimeError):
                return False
            return True
    return False


def prepare_operator_schemas() -> str:
    """Before torchvision is imported: "absent", "native" (its extension loads) or "schemas registered"."""
    global _library, _prepared
    with _lock:
        if _prepared is not None:
            return _prepared
        spec = importlib.machinery.PathFinder.find_spec("torchvision")
        if spec is None or not spec.submodule_search_locations:
            return "absent"
        if _operator_defined("nms") or _load_extension(Path(next(iter(spec.submodule_search_locations)))):
            _prepared = "native"
            return _prepared
        import torch

        library = torch.library.Library("torchvision", "DEF")
        for schema in MISSING_SCHEMAS:
            if not _operator_defined(schema.split("(", 1)[0]):
                library.define(schema)
        _library = library
        _prepared = "schemas registered"
        return _prepared


class _TorchvisionPreflight(importlib.abc.MetaPathFinder):
    """Runs prepare_operator_schemas() on the first ``import torchvision``, then steps aside."""

    def find_spec(self, fullname, path, target=None):
        if fullname == "torchvision":
            remove_import_hook()
            # Never turn an import that might have worked into a failure here.
            with contextlib.suppress(Exception):
                prepare_operator_schemas()
        return None  # the normal finders import torchvision itself


_hook = _TorchvisionPreflight()


def install_import_hook() -> None:
    """Make the first ``import torchvision`` in this process safe (idempotent, no imports now)."""
    if "torchvision" not in sys.modules and _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)


def remove_import_hook() -> None:
    if _hook in sys.meta_path:
        sys.meta_path.remove(_hook)


def _forget_torchvision() -> None:
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]


def ensure_torchvision() -> str:
    """Import torchvision safely; returns how ("native" or "schemas registered").

    Raises ImportError with the reason when torchvision cannot be imported at all.
    """
    with _lock:
        if "torchvision" not in sys.modules:
            prepare_operator_schemas()
        try:
            import torchvision
        except ImportError:
            raise
        except Exception as error:
            # A failed import happened before the schemas existed: drop the half-imported modules.
            if "torchvision::" not in str(error):
                raise ImportError(f"torchvision does not import: {error}") from error
            _forget_torchvision()
            global _prepared
            _prepared = None
            prepare_operator_schemas()
            try:
                import torchvision  # noqa: F401
            except Exception as second:
                raise ImportError(f"torchvision does not import even with the schemas: {second}") from second
        return _prepared or "native"
