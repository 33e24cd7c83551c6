"""SRVGGNetCompact, the network of ``realesr-animevideov3.pth``, written for this project.

A plain stack of 3×3 convolutions with PReLU at input resolution, a last convolution producing
``3 · scale²`` channels folded into pixels (pixel shuffle), plus the nearest-neighbour enlarged input
as a residual. Module names follow the official checkpoint (``body.0`` first conv, ``body.1`` its
PReLU, …, ``body.{2n+2}`` last conv), so it loads with ``strict=True``; the layout was checked
against the ncnn conversion (18 convolutions, 17 PReLUs, same sizes in the same order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class SRVGGConfig:
    """Hyper-parameters; the defaults are realesr-animevideov3's."""

    num_in_ch: int = 3
    num_out_ch: int = 3
    num_feat: int = 64
    num_conv: int = 16
    scale: int = 4


class SRVGGNetCompact(nn.Module):
    def __init__(self, config: SRVGGConfig = SRVGGConfig()) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = [nn.Conv2d(config.num_in_ch, config.num_feat, 3, 1, 1)]
        layers.append(nn.PReLU(config.num_feat))
        for _ in range(config.num_conv):
            layers += [nn.Conv2d(config.num_feat, config.num_feat, 3, 1, 1), nn.PReLU(config.num_feat)]
        layers.append(nn.Conv2d(config.num_feat, config.num_out_ch * config.scale**2, 3, 1, 1))
        self.body = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        out = F.pixel_shuffle(out, self.config.scale)
        # The body only learns the residual over a nearest-neighbour enlargement.
        return out + F.interpolate(x, scale_factor=self.config.scale, mode="nearest")


def config_from_state_dict(state: dict[str, torch.Tensor]) -> SRVGGConfig:
    """Hyper-parameters from the checkpoint's shapes (so tiny test models load like the real one)."""
    indices = sorted({int(key.split(".")[1]) for key in state if key.startswith("body.")})
    if not indices or "body.0.weight" not in state or len(indices) % 2 == 0:
        raise ValueError("not an SRVGGNetCompact state dict (body.N layers missing)")
    first, last = state["body.0.weight"], state[f"body.{indices[-1]}.weight"]
    num_in, num_feat = int(first.shape[1]), int(first.shape[0])
    scale = math.isqrt(int(last.shape[0]) // num_in)
    if scale * scale * num_in != int(last.shape[0]):
        raise ValueError(f"cannot tell the scale from the last conv's {last.shape[0]} channels")
    return SRVGGConfig(num_in, num_in, num_feat, (len(indices) - 3) // 2, scale)
