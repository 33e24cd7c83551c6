"""RRDBNet, the generator of ESRGAN / Real-ESRGAN, written for this project.

The PyPI ``basicsr``/``realesrgan`` packages that define it no longer import on current torchvision,
so the network is defined here with the *same module names* as the official checkpoints
(``conv_first``, ``body.N.rdbK.convM``, ``conv_body``, ``conv_up1``, ``conv_up2``, ``conv_hr``,
``conv_last``), which lets ``RealESRGAN_x4plus.pth`` load with ``strict=True``. The layer layout was
cross-checked against the ncnn conversion of the same model: its 351 convolutions have exactly
the weight sizes of this network, in the same order (see the tests).

torch is imported by whoever imports this module; the torch backend imports it lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class RRDBConfig:
    """Hyper-parameters of an RRDBNet; the defaults are RealESRGAN_x4plus's."""

    num_in_ch: int = 3
    num_out_ch: int = 3
    num_feat: int = 64
    num_block: int = 23
    num_grow_ch: int = 32
    scale: int = 4


class ResidualDenseBlock(nn.Module):
    """Five 3×3 convolutions, each seeing the block input and every earlier output (dense links)."""

    def __init__(self, num_feat: int, num_grow_ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            feats.append(F.leaky_relu(conv(torch.cat(feats, 1)), 0.2))
        # Residual scaling by 0.2 keeps the very deep stack trainable (ESRGAN paper, section 3.1).
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class RRDB(nn.Module):
    """Residual-in-residual dense block: three dense blocks inside one scaled residual connection."""

    def __init__(self, num_feat: int, num_grow_ch: int) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """Features at input resolution through ``num_block`` RRDBs, then two nearest-neighbour ×2 steps.

    For scale 2 and 1 the input is first folded into channels (pixel-unshuffle by 2 or 4), as in
    Real-ESRGAN's x2 model, so the body always runs at a quarter of the output resolution.
    """

    def __init__(self, config: RRDBConfig = RRDBConfig()) -> None:
        super().__init__()
        if config.scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet supports scale 1, 2 or 4, not {config.scale}")
        self.config = config
        fold = {4: 1, 2: 4, 1: 16}[config.scale]
        f = config.num_feat
        self.conv_first = nn.Conv2d(config.num_in_ch * fold, f, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(f, config.num_grow_ch) for _ in range(config.num_block)))
        self.conv_body = nn.Conv2d(f, f, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(f, f, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(f, f, 3, 1, 1)
        self.conv_hr = nn.Conv2d(f, f, 3, 1, 1)
        self.conv_last = nn.Conv2d(f, config.num_out_ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.scale != 4:
            x = F.pixel_unshuffle(x, 4 // self.config.scale)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        feat = F.leaky_relu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))


def config_from_state_dict(state: dict[str, torch.Tensor]) -> RRDBConfig:
    """Read the hyper-parameters off a checkpoint's tensor shapes, so that any RRDBNet checkpoint
    (x4plus with 23 blocks, anime_6B with 6, a tiny test model) loads through the same code."""
    try:
        first = state["conv_first.weight"]
        last = state["conv_last.weight"]
        grow = state["body.0.rdb1.conv1.weight"]
    except KeyError as exc:
        raise ValueError(f"not an RRDBNet state dict: key {exc.args[0]!r} is missing") from None
    blocks = {int(key.split(".")[1]) for key in state if key.startswith("body.")}
    num_feat, in_folded = int(first.shape[0]), int(first.shape[1])
    num_out = int(last.shape[0])
    # Real-ESRGAN's x2/x1 models fold 4 or 16 pixels into channels: in_folded = 3 * fold.
    fold_to_scale = {1: 4, 4: 2, 16: 1}
    for fold, scale in fold_to_scale.items():
        if in_folded == num_out * fold:
            return RRDBConfig(num_out, num_out, num_feat, len(blocks), int(grow.shape[0]), scale)
    raise ValueError(f"cannot tell the scale from conv_first's {in_folded} input channels")
