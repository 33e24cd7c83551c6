"""The images block's asset step, found by ``python -m engine assets`` like every block's ``assets``.

The composer's art (npm OpenMoji + CLDR, Debian Open Clip Art) and its word index; diffusion and
CLIP-guided weights are never fetched here (they come through the model cache's download policy).
"""

from __future__ import annotations

from engine.images.backends.composer.index import ensure_assets

__all__ = ["ensure_assets"]
