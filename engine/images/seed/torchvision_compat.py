"""Make ``import torchvision`` work beside the project's CPU torch, before clip or taming import it.

Why this exists: clip-anytorch and taming-transformers import torchvision (clip for its
preprocessing transforms, taming's LPIPS for a VGG). The only torchvision that pip can install next
to the project's pinned CPU ``torch==2.13.0`` is ``torchvision==0.28.0``, a CUDA build whose C++
extension cannot load beside a CPU torch. torchvision tolerates a missing extension everywhere
except in ``torchvision/_meta_registrations.py``, which registers fake kernels for two operators
(``torchvision::nms`` and ``torchvision::qnms``) unconditionally, and that fails with "operator
torchvision::nms does not exist".

The least invasive fix: try the normal import first (on a GPU machine with a matching
torch/torchvision pair it just works and nothing is touched). Only when it fails with exactly that
error do we *define* those two operator schemas (no kernels), drop the half-imported torchvision
modules and import again. Transforms and models then work; torchvision's compiled ops (nms,
roi_align, deform_conv2d) stay unusable, and neither clip nor taming's VQGAN needs them.
"""

from __future__ import annotations

import sys
import threading

#: The schemas torchvision's C++ extension would have defined (from torchvision/csrc/ops/nms.cpp).
MISSING_SCHEMAS: tuple[str, ...] = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

_lock = threading.Lock()
_library = None  # keeps the schema registrations alive for the life of the process
_status: str | None = None


def _missing_operator_error(error: BaseException) -> bool:
    text = str(error)
    return "torchvision::" in text and "does not exist" in text


def _forget_torchvision() -> None:
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]


def ensure_torchvision() -> str:
    """Import torchvision, registering the two missing schemas if (and only if) that is needed.

    Returns how torchvision was made importable ("native" or "schemas registered"); raises
    ImportError with the reason when torchvision cannot be imported at all.
    """
    global _library, _status
    with _lock:
        if _status is not None:
            return _status
        try:
            import torchvision
        except Exception as error:
            if not _missing_operator_error(error):
                raise ImportError(f"torchvision does not import: {error}") from error
            _forget_torchvision()
            import torch

            library = torch.library.Library("torchvision", "DEF")
            for schema in MISSING_SCHEMAS:
                library.define(schema)
            _library = library
            try:
                import torchvision  # noqa: F401
            except Exception as second:
                raise ImportError(
                    f"torchvision does not import even with the schema shim: {second}"
                ) from second
            _status = "schemas registered"
        else:
            _status = "native"
        return _status
