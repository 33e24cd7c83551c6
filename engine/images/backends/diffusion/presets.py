"""The diffusion presets a user picks by one name, and what each needs in the model cache.

Why presets: a text-to-image model is only as good as its sampling settings — a turbo model wants one
to four steps and no classifier-free guidance, FLUX.1-schnell four steps in bf16, Kandinsky a prior and
a decoder. A preset fixes these once, with the native resolution in the video's aspect. A folder given
as ``diffusers:PATH`` may carry a ``digiteller.json`` with the same fields (tests use it for tiny
models); without one, settings for an ordinary (non-distilled) model are assumed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

_TOKENIZER_CLIP = ("tokenizer/merges.txt", "tokenizer/special_tokens_map.json",
                   "tokenizer/tokenizer_config.json", "tokenizer/vocab.json")  # fmt: skip


@dataclass(frozen=True)
class Repo:
    """One Hugging Face repository and the exact files a preset reads from it."""

    repo_id: str
    files: tuple[str, ...]
    variant: str | None = None  # "fp16": the half-precision files (upcast on a CPU)


@dataclass(frozen=True)
class Preset:
    name: str
    family: str  # "sd" | "flux" | "kandinsky" | "auto" (whatever AutoPipelineForText2Image loads)
    repos: tuple[Repo, ...]  # the main pipeline first; Kandinsky: decoder, then prior
    steps: int
    guidance: float
    base: int  # native resolution: about base×base pixels, shaped to the video's aspect
    multiple: int  # width and height are multiples of this
    cuda_dtype: str  # "float16" | "bfloat16"
    vram_gb: float  # below this much free GPU memory the model is offloaded to the CPU between parts
    batch: int = 4  # scenes per call on a GPU (1 on a CPU: memory, and progress per scene)
    negative: bool = True  # whether the pipeline takes a negative prompt at this guidance
    russian: bool = False  # reads Russian: the scene's own text leads the prompt
    style: str = ""  # the preset's default style line (the story's style_en wins)
    extra: dict[str, object] = field(default_factory=dict)  # further call arguments
    ip_adapter: tuple[str, str, str] | None = None  # (repo or folder, subfolder, weight file)
    ip_image_encoder: str | None = None  # for adapters whose repo holds no image encoder
    note: str = ""

    def native_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """About ``base``² pixels in the aspect of ``size``, both sides multiples of ``multiple``."""
        aspect = size[0] / size[1]
        area = self.base * self.base
        width = max(self.multiple, round(math.sqrt(area * aspect) / self.multiple) * self.multiple)
        height = max(self.multiple, round(math.sqrt(area / aspect) / self.multiple) * self.multiple)
        return width, height

    def needed(self) -> list[tuple[str, str]]:
        """(repo, file) for every file this preset reads."""
        return [(r.repo_id, f) for r in self.repos for f in r.files]


_SD_TURBO = Repo(
    "stabilityai/sd-turbo",
    (
        "model_index.json", "scheduler/scheduler_config.json",
        "text_encoder/config.json", "text_encoder/model.fp16.safetensors", *_TOKENIZER_CLIP,
        "unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/config.json", "vae/diffusion_pytorch_model.fp16.safetensors",
    ),
    variant="fp16",
)  # fmt: skip
_FLUX_SCHNELL = Repo(
    "black-forest-labs/FLUX.1-schnell",
    (
        "model_index.json", "scheduler/scheduler_config.json",
        "text_encoder/config.json", "text_encoder/model.safetensors", *_TOKENIZER_CLIP,
        "text_encoder_2/config.json", "text_encoder_2/model.safetensors.index.json",
        "text_encoder_2/model-00001-of-00002.safetensors", "text_encoder_2/model-00002-of-00002.safetensors",
        "tokenizer_2/special_tokens_map.json", "tokenizer_2/spiece.model", "tokenizer_2/tokenizer.json",
        "tokenizer_2/tokenizer_config.json",
        "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors.index.json",
        "transformer/diffusion_pytorch_model-00001-of-00003.safetensors",
        "transformer/diffusion_pytorch_model-00002-of-00003.safetensors",
        "transformer/diffusion_pytorch_model-00003-of-00003.safetensors",
        "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
    ),
)  # fmt: skip
_KANDINSKY_DECODER = Repo(
    "kandinsky-community/kandinsky-2-2-decoder",
    (
        "model_index.json", "scheduler/scheduler_config.json", "movq/config.json",
        "movq/diffusion_pytorch_model.safetensors", "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
    ),
)  # fmt: skip
_KANDINSKY_PRIOR = Repo(
    "kandinsky-community/kandinsky-2-2-prior",
    (
        "model_index.json", "scheduler/scheduler_config.json", "prior/config.json",
        "prior/diffusion_pytorch_model.safetensors", "image_encoder/config.json",
        "image_encoder/model.safetensors", "image_processor/preprocessor_config.json",
        "text_encoder/config.json", "text_encoder/model.safetensors", *_TOKENIZER_CLIP,
    ),
)  # fmt: skip

#: The safety classifier run on every generated picture (an equivalent for pipelines without one).
SAFETY_CHECKER = Repo(
    "CompVis/stable-diffusion-safety-checker",
    ("config.json", "preprocessor_config.json", "model.safetensors"),  # or pytorch_model.bin
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sd-turbo",
            "sd",
            (_SD_TURBO,),
            steps=2,
            guidance=0.0,
            base=512,
            multiple=64,
            cuda_dtype="float16",
            vram_gb=6.0,
            negative=False,
            note="SD-Turbo (SD 2.1 distilled): 1–4 steps, no guidance, 512 px; fast, a GPU of 6 GB",
        ),
        Preset(
            "flux-schnell",
            "flux",
            (_FLUX_SCHNELL,),
            steps=4,
            guidance=0.0,
            base=1024,
            multiple=16,
            cuda_dtype="bfloat16",
            vram_gb=40.0,
            batch=2,
            negative=False,
            extra={"max_sequence_length": 256},
            ip_adapter=("XLabs-AI/flux-ip-adapter", "", "ip_adapter.safetensors"),
            ip_image_encoder="openai/clip-vit-large-patch14",
            note="FLUX.1-schnell: 4 steps, bf16, 1 megapixel; best quality, fits one 80 GB GPU "
            "(offloaded below 40 GB free)",
        ),
        Preset(
            "kandinsky-2.2",
            "kandinsky",
            (_KANDINSKY_DECODER, _KANDINSKY_PRIOR),
            steps=25,
            guidance=4.0,
            base=768,
            multiple=64,
            cuda_dtype="float16",
            vram_gb=12.0,
            russian=True,
            extra={"prior_num_inference_steps": 25, "prior_guidance_scale": 4.0},
            note="Kandinsky 2.2 (prior + decoder): the scene's Russian text leads the prompt",
        ),
    )
}

#: Settings assumed for a folder or model id that is no preset and has no digiteller.json.
GENERIC = Preset("diffusers", "auto", (), steps=25, guidance=5.0, base=512, multiple=64,
                 cuda_dtype="float16", vram_gb=8.0)  # fmt: skip

_OVERRIDABLE = ("family", "steps", "guidance", "base", "multiple", "cuda_dtype", "vram_gb", "batch",
                "negative", "russian", "style", "extra")  # fmt: skip


def preset_for_source(source: str) -> Preset:
    """The preset for ``diffusers:SOURCE``: a preset's own model id, else a folder's digiteller.json,
    else :data:`GENERIC` settings."""
    for preset in PRESETS.values():
        if preset.repos and preset.repos[0].repo_id == source:
            return replace(preset, name=f"diffusers:{source}")
    base = replace(GENERIC, name=f"diffusers:{source}")
    folder = Path(source).expanduser()
    own = folder / "digiteller.json"
    if own.is_file():
        data = json.loads(own.read_text(encoding="utf-8"))
        base = replace(base, **{k: v for k, v in data.items() if k in _OVERRIDABLE})
    if (folder / "ip_adapter").is_dir():
        weights = sorted(p.name for p in (folder / "ip_adapter").glob("*.safetensors"))
        if weights:
            base = replace(base, ip_adapter=(str(folder), "ip_adapter", weights[0]))
    return base
