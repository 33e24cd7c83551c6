"""The optimisation loop both generators share: render → CLIP loss → Adam step, with progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from engine.images.backends.clip_guided.guidance import ClipGuide
from engine.progress import StageReporter


@dataclass
class LoopResult:
    image: torch.Tensor  # the last render, 1×3×H×W in 0..1, detached
    losses: list[float] = field(default_factory=list)  # training loss per step
    start_score: float = 0.0  # deterministic CLIP text distance before and after
    end_score: float = 0.0


def run_loop(
    params: list[torch.Tensor],
    render: Callable[[], torch.Tensor],
    guide: ClipGuide,
    *,
    steps: int,
    lr: float,
    generator: torch.Generator,
    report: StageReporter,
    label: str,
    regulariser: Callable[[], torch.Tensor] | None = None,
    after_step: Callable[[], None] | None = None,
) -> LoopResult:
    """Optimise ``params`` for ``steps`` Adam steps so that ``render()`` matches the guide's text.

    ``report`` is called every step (it raises Cancelled when the job is cancelled, which is how a
    long generation stops promptly).
    """
    optimiser = torch.optim.Adam(params, lr=lr)
    with torch.no_grad():
        first = render()
    result = LoopResult(image=first.detach(), start_score=guide.score(first))
    for step in range(1, steps + 1):
        optimiser.zero_grad(set_to_none=True)
        image = render()
        loss = guide.loss(image, generator)
        if regulariser is not None:
            loss = loss + regulariser()
        loss.backward()
        optimiser.step()
        if after_step is not None:
            with torch.no_grad():
                after_step()
        value = float(loss.detach())
        result.losses.append(value)
        report(step / (steps + 1), f"{label}: step {step}/{steps}, loss {value:.3f}")
    with torch.no_grad():
        final = render()
    result.image = final.detach()
    result.end_score = guide.score(final)
    return result
