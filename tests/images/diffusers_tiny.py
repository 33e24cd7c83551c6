"""Tiny randomly initialised diffusers pipelines of every family the presets use, built offline.

As diffusers' own tests do: the same component classes as the real checkpoints (UNet/transformer,
VAE/MoVQ, CLIP/T5 text encoders, schedulers), a few thousand parameters each, saved with
``save_pretrained`` so the backend loads them through its real path (``diffusers:PATH``). Tokenizers
are built here too (a byte-level CLIP BPE vocabulary with no merges, a character-level T5 unigram
model): nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import engine  # noqa: F401 - its import hook makes transformers importable beside the CPU torch

TEXT_DIM = 32  # hidden size of every tiny text encoder


def _bytes_to_unicode() -> list[str]:
    """GPT-2/CLIP's byte → printable character table."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def clip_tokenizer(folder: Path):
    """A CLIP BPE tokenizer over single bytes (514 tokens): every text tokenizes, nothing downloads."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    chars = _bytes_to_unicode()
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(chars) + i for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77)


def t5_tokenizer():
    """A character-level unigram T5 tokenizer (pad 0, eos 1, unk 2, then letters)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import T5TokenizerFast

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0)]
    pieces += [(c, -2.0) for c in "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя.,'"]
    tok = Tokenizer(models.Unigram(pieces, unk_id=2))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    return T5TokenizerFast(
        tokenizer_object=tok, eos_token="</s>", pad_token="<pad>", unk_token="<unk>", extra_ids=0
    )


def clip_text_config(**extra):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, hidden_size=TEXT_DIM, intermediate_size=37, layer_norm_eps=1e-5,
        num_attention_heads=4, num_hidden_layers=2, pad_token_id=1, vocab_size=1000, **extra,
    )  # fmt: skip


def save_safety_checker(folder: Path, flag_everything: bool = False) -> None:
    """``safety_checker/`` + ``feature_extractor/``: a tiny StableDiffusionSafetyChecker.

    Its concept embeddings and thresholds start at ones, so cosine scores never exceed the threshold
    (nothing flagged); ``flag_everything`` sets the thresholds to -1 (every picture flagged)."""
    import torch
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig, CLIPImageProcessor

    config = CLIPConfig(
        text_config=clip_text_config().to_dict(),
        vision_config={"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4,
                       "num_hidden_layers": 2, "image_size": 32, "patch_size": 8},
        projection_dim=32,
    )  # fmt: skip
    torch.manual_seed(0)
    checker = StableDiffusionSafetyChecker(config)
    if flag_everything:
        with torch.no_grad():
            checker.concept_embeds_weights.fill_(-1.0)
            checker.special_care_embeds_weights.fill_(-1.0)
    checker.save_pretrained(folder / "safety_checker")
    processor = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor.save_pretrained(folder / "feature_extractor")


def _settings(folder: Path, **fields) -> None:
    (folder / "digiteller.json").write_text(json.dumps(fields), encoding="utf-8")


def save_tiny_sd(folder: Path) -> Path:
    """StableDiffusionPipeline (the sd-turbo family): UNet2DConditionModel, AutoencoderKL, CLIP."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8), layers_per_block=1, sample_size=16, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=TEXT_DIM, norm_num_groups=2,
    )  # fmt: skip
    vae = AutoencoderKL(
        block_out_channels=[4, 8], in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=2,
        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
    )  # fmt: skip
    pipe = StableDiffusionPipeline(
        unet=unet,
        scheduler=EulerAncestralDiscreteScheduler(
            beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, steps_offset=1
        ),
        vae=vae,
        text_encoder=CLIPTextModel(clip_text_config()),
        tokenizer=clip_tokenizer(folder / "_tok"),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    save_safety_checker(folder)
    _settings(folder, family="sd", steps=2, guidance=0.0, base=32, multiple=16, negative=False)
    return folder


def save_tiny_flux(folder: Path) -> Path:
    """FluxPipeline (the flux-schnell family): FluxTransformer2DModel, AutoencoderKL, CLIP + T5."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5Config, T5EncoderModel

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=TEXT_DIM, pooled_projection_dim=TEXT_DIM, axes_dims_rope=[4, 4, 8],
    )  # fmt: skip
    t5 = T5EncoderModel(
        T5Config(vocab_size=100, d_model=TEXT_DIM, d_kv=8, d_ff=37, num_layers=2, num_heads=4)
    )
    vae = AutoencoderKL(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4,), layers_per_block=1,
        latent_channels=1, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
        shift_factor=0.0609, scaling_factor=1.5035,
    )  # fmt: skip
    pipe = FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        text_encoder=CLIPTextModel(clip_text_config()),
        tokenizer=clip_tokenizer(folder / "_tok"),
        text_encoder_2=t5,
        tokenizer_2=t5_tokenizer(),
        transformer=transformer,
    )
    pipe.save_pretrained(folder)
    save_safety_checker(folder)
    _settings(folder, family="flux", steps=2, guidance=0.0, base=32, multiple=16, negative=False,
              extra={"max_sequence_length": 32})  # fmt: skip
    return folder


def save_tiny_kandinsky(folder: Path) -> Path:
    """Kandinsky 2.2: a prior (PriorTransformer, CLIP text + vision encoders with projection) in
    ``prior/`` and a decoder (UNet2DConditionModel on image embeddings, VQModel) in ``decoder/``."""
    import torch
    from diffusers import (
        DDIMScheduler,
        KandinskyV22Pipeline,
        KandinskyV22PriorPipeline,
        PriorTransformer,
        UnCLIPScheduler,
        UNet2DConditionModel,
        VQModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPTextModelWithProjection,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    torch.manual_seed(0)
    prior = PriorTransformer(
        num_attention_heads=2, attention_head_dim=12, embedding_dim=TEXT_DIM, num_layers=1
    )
    with torch.no_grad():  # as diffusers' tests: unit std, or the tiny prior's output explodes
        prior.clip_std.fill_(1.0)
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(hidden_size=TEXT_DIM, image_size=32, projection_dim=TEXT_DIM, intermediate_size=37,
                         num_attention_heads=4, num_channels=3, num_hidden_layers=2, patch_size=8)
    )  # fmt: skip
    KandinskyV22PriorPipeline(
        prior=prior,
        image_encoder=image_encoder,
        text_encoder=CLIPTextModelWithProjection(clip_text_config(projection_dim=TEXT_DIM)),
        tokenizer=clip_tokenizer(folder / "_tok"),
        scheduler=UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="sample",
                                  num_train_timesteps=1000, clip_sample=True, clip_sample_range=10.0),
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
    ).save_pretrained(folder / "prior")  # fmt: skip
    unet = UNet2DConditionModel(
        in_channels=4, out_channels=8, addition_embed_type="image",
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        mid_block_type="UNetMidBlock2DSimpleCrossAttn", block_out_channels=(32, 64), layers_per_block=1,
        encoder_hid_dim=TEXT_DIM, encoder_hid_dim_type="image_proj", cross_attention_dim=16,
        attention_head_dim=4, resnet_time_scale_shift="scale_shift", class_embed_type=None,
    )  # fmt: skip
    movq = VQModel(  # SpatialNorm groups channels by 32: the smallest MoVQ has 32 channels
        block_out_channels=[32, 64], down_block_types=["DownEncoderBlock2D", "AttnDownEncoderBlock2D"],
        in_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=8, norm_type="spatial",
        num_vq_embeddings=12, out_channels=3, up_block_types=["AttnUpDecoderBlock2D", "UpDecoderBlock2D"],
        vq_embed_dim=4,
    )  # fmt: skip
    scheduler = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", beta_start=0.00085, beta_end=0.012,
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1, prediction_type="epsilon")  # fmt: skip
    KandinskyV22Pipeline(unet=unet, scheduler=scheduler, movq=movq).save_pretrained(folder / "decoder")
    save_safety_checker(folder)
    _settings(folder, family="kandinsky", steps=2, guidance=4.0, base=64, multiple=32, russian=True,
              extra={"prior_num_inference_steps": 2, "prior_guidance_scale": 4.0})  # fmt: skip
    return folder


def save_tiny_ip_adapter(folder: Path, image_dim: int = TEXT_DIM) -> Path:
    """An IP-Adapter for the tiny SD pipeline in ``folder``: ``ip_adapter/ip-adapter_tiny.safetensors``
    (image projection + per-cross-attention key/value weights, in h94/IP-Adapter's key layout) and
    the CLIP image encoder beside it in ``ip_adapter/image_encoder/`` — what ``load_ip_adapter`` reads."""
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = UNet2DConditionModel.from_pretrained(folder / "unet")
    cross = unet.config.cross_attention_dim
    channels = list(unet.config.block_out_channels)
    gen = torch.Generator().manual_seed(0)

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=gen) * 0.05

    tensors = {
        "image_proj.proj.weight": rand(cross * 4, image_dim),
        "image_proj.proj.bias": rand(cross * 4),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    key_id = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name.split(".")[1])]
        else:
            hidden = channels[int(name.split(".")[1])]
        tensors[f"ip_adapter.{key_id}.to_k_ip.weight"] = rand(hidden, cross)
        tensors[f"ip_adapter.{key_id}.to_v_ip.weight"] = rand(hidden, cross)
        key_id += 2
    out = folder / "ip_adapter"
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "ip-adapter_tiny.safetensors"))
    torch.manual_seed(0)
    CLIPVisionModelWithProjection(
        CLIPVisionConfig(hidden_size=32, image_size=32, projection_dim=image_dim, intermediate_size=37,
                         num_attention_heads=4, num_hidden_layers=2, patch_size=8)
    ).save_pretrained(out / "image_encoder")  # fmt: skip
    return folder
