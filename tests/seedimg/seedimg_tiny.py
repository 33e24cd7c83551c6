"""Tiny randomly initialised CLIP, VQGAN and BigGAN models of the official classes, saved in the
official checkpoint formats (CLIP as a TorchScript archive like OpenAI's files, VQGAN as a config
yaml plus a Lightning-style checkpoint, BigGAN as config.json plus pytorch_model.bin)."""

from __future__ import annotations

import pathlib
import sys
import warnings
from pathlib import Path

from engine.story import Scene, Story


def clear_loader_caches() -> None:
    for name, attr in (
        ("engine.images.backends.clip_guided.clip_model", "_load"),
        ("engine.images.backends.clip_guided.vqgan_model", "_load"),
        ("engine.images.backends.clip_guided.biggan_model", "_load"),
    ):
        module = sys.modules.get(name)
        if module is not None:
            getattr(module, attr).cache_clear()


def tiny_clip_model():
    """A CLIP ViT of the official class with the smallest dims build_model can read back."""
    import torch

    from engine.images.backends.clip_guided.clip_model import import_clip

    clip = import_clip()
    torch.manual_seed(0)
    # Widths must be multiples of 64 (build_model derives heads as width // 64); the vocabulary
    # must be the real tokenizer's 49,408 entries.
    return clip.model.CLIP(
        embed_dim=32,
        image_resolution=32,
        vision_layers=1,
        vision_width=64,
        vision_patch_size=8,
        context_length=77,
        vocab_size=49408,
        transformer_width=64,
        transformer_heads=1,
        transformer_layers=1,
    ).eval()


def save_clip_like_openai(model, path: Path) -> str:
    """Save as a TorchScript archive (OpenAI's format); falls back to a state dict if tracing fails.

    Returns which format was written.
    """
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    image = torch.rand(1, 3, 32, 32)
    text = torch.zeros(1, 77, dtype=torch.long)
    text[0, 0], text[0, 1] = 49406, 49407
    try:
        with warnings.catch_warnings():  # tracing notes about python-side shape checks: expected
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, (image, text), check_trace=False)
        traced.save(str(path))
        return "torchscript"
    except Exception:
        torch.save(model.state_dict(), path)
        return "state_dict"


TINY_VQGAN_PARAMS = {
    "embed_dim": 8,
    "n_embed": 64,
    "monitor": "val/rec_loss",
    "ddconfig": {
        "double_z": False,
        "z_channels": 8,
        "resolution": 32,
        "in_channels": 3,
        "out_ch": 3,
        "ch": 32,  # GroupNorm(32) inside taming needs multiples of 32
        "ch_mult": [1, 1, 2],  # f = 4: one latent cell per 4×4 pixels
        "num_res_blocks": 1,
        "attn_resolutions": [8],
        "dropout": 0.0,
    },
    # The official config's training loss; the loader must never build it (LPIPS downloads VGG).
    "lossconfig": {
        "target": "taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator",
        "params": {"disc_conditional": False, "disc_in_channels": 3, "disc_start": 0, "disc_weight": 0.8},
    },
}


def save_tiny_vqgan(folder: Path, name: str = "vqgan_imagenet_f16_16384", params: dict | None = None) -> None:
    """A tiny taming VQModel saved as ``<name>.yaml`` + a Lightning-style ``<name>.ckpt``."""
    import torch

    from engine.images.backends.clip_guided.vqgan_model import import_taming

    OmegaConf, VQModel = import_taming()
    params = params or TINY_VQGAN_PARAMS
    torch.manual_seed(1)
    model = VQModel(
        ddconfig=params["ddconfig"],
        lossconfig={"target": "torch.nn.Identity"},
        n_embed=params["n_embed"],
        embed_dim=params["embed_dim"],
    )
    with torch.no_grad():  # spread the codebook so codes are distinguishable
        model.quantize.embedding.weight.normal_()
    state = dict(model.state_dict())
    state["loss.discriminator.main.0.weight"] = torch.zeros(4, 3, 4, 4)  # as in real checkpoints
    folder.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(
        OmegaConf.create(
            {
                "model": {
                    "base_learning_rate": 4.5e-6,
                    "target": "taming.models.vqgan.VQModel",
                    "params": params,
                }
            }
        ),
        folder / f"{name}.yaml",
    )
    checkpoint = {
        "epoch": 3,
        "global_step": 1000,
        "pytorch-lightning_version": "1.0.8",
        "state_dict": state,
        "optimizer_states": [{"state": {}, "param_groups": [{"lr": 4.5e-6}]}],
        # Real Lightning checkpoints hold arbitrary pickled objects too; this one makes the safe
        # unpickler refuse the file, so the loader's fallback is exercised.
        "callbacks": {"ModelCheckpoint": {"dirpath": pathlib.PurePosixPath("/logs/checkpoints")}},
    }
    torch.save(checkpoint, folder / f"{name}.ckpt")


def tiny_biggan_model():
    """A BigGAN-deep of the package's own class: 32 px, 10 classes, a self-attention layer."""
    import torch

    from engine.images.backends.clip_guided.biggan_model import import_biggan

    biggan = import_biggan()
    config = biggan.BigGANConfig(
        output_dim=32,
        z_dim=16,
        class_embed_dim=16,
        channel_width=4,
        num_classes=10,
        layers=[(False, 16, 16), (True, 16, 8), (True, 8, 4), (False, 4, 2), (True, 2, 1)],
        attention_layer_position=2,
        eps=1e-4,
        n_stats=5,
    )
    torch.manual_seed(2)
    model = biggan.BigGAN(config)
    with torch.no_grad():  # the unconditional batch norm's affine is left uninitialised upstream
        model.generator.bn.weight.fill_(1.0)
        model.generator.bn.bias.zero_()
        for layer in model.generator.layers:
            if hasattr(layer, "gamma"):
                layer.gamma.fill_(0.5)  # switch the attention on
        # Spectral norm estimates each weight's largest singular value by power iteration, run
        # only in training mode; fresh random u/v vectors give a garbage estimate and outputs of
        # 1e33. Released checkpoints store converged u/v, so converge them here the same way
        # (BigGAN's batch norm keeps fixed statistics, so train-mode passes change nothing else).
        model.train()
        for _ in range(30):
            model(torch.randn(1, config.z_dim), torch.softmax(torch.randn(1, config.num_classes), dim=1), 1.0)
    return model.eval()


def make_story(
    keywords_en: list[str] | None = None, image_prompt: str = "дракон замок", scenes: int = 2
) -> Story:
    story = Story(prompt="сказка про дракона", lang="ru", genre="fairy_tale", seed=7)
    for i in range(scenes):
        story.scenes.append(
            Scene(index=i, text=f"Сцена {i}", image_prompt=image_prompt, keywords_en=list(keywords_en or []))
        )
    return story


def require_seed_packages(*modules: str) -> None:
    """Skip the calling test module unless the seed extra is installed; then import torchvision the
    safe way (importing clip directly, as ``pytest.importorskip("clip")`` would, fails beside the
    CPU torch: see engine.torchvision_compat)."""
    import importlib.util

    import pytest

    absent = [m for m in ("torchvision", *modules) if importlib.util.find_spec(m) is None]
    if absent:
        pytest.skip(f"seed extra not installed (no {', '.join(absent)})", allow_module_level=True)
    from engine.torchvision_compat import ensure_torchvision

    ensure_torchvision()
