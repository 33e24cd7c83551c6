"""CLIP+BigGAN (the big-sleep approach): optimise BigGAN-deep's class and noise vectors for CLIP.

BigGAN draws ImageNet-like photos at a fixed square size (128, 256 or 512 px); the picture is
centre-cropped to the video's aspect before CLIP sees it, so CLIP optimises what will be shown.
Continuity between scenes: the optimised latents are saved beside the picture
(``<picture>.biggan.pt``) and the next scene starts from them; if only the previous picture is
there, CLIP is pulled gently towards it instead. Heavy imports happen only inside ``draw``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import StageError
from engine.images.backends.clip_guided.base import ClipOptions, SeedIllustrator
from engine.images.backends.clip_guided.requirements import BIGGAN_MODULES
from engine.images.backends.clip_guided.weights import WeightFile, biggan_dir, biggan_files, download
from engine.progress import StageReporter
from engine.story import Scene, Story

if TYPE_CHECKING:
    from engine.images.backends.clip_guided.optimise import LoopResult

LATENTS_SUFFIX = ".biggan.pt"
CONTINUITY_WEIGHT = 0.2  # pull towards the previous picture when its latents are not at hand


def latents_path(image: Path) -> Path:
    return image.with_name(image.stem + LATENTS_SUFFIX)


def read_latents(path: Path) -> dict | None:
    """The previous scene's latents, or None when absent or unreadable (then we start fresh)."""
    import torch

    if not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a damaged or foreign file only costs continuity, never the picture
        return None
    if not isinstance(saved, dict) or not all(
        isinstance(saved.get(k), torch.Tensor) for k in ("noise", "logits")
    ):
        return None
    return saved


class BigGANIllustrator(SeedIllustrator):
    """The seed's CLIP+BigGAN generator (``biggan-deep-512`` by default)."""

    name = "clip+biggan"
    modules = BIGGAN_MODULES

    def __init__(
        self,
        clip_model: str = "ViT-B/32",
        biggan_model: str = "biggan-deep-512",
        steps: int = 300,
        lr: float = 0.07,
        cutouts: int = 32,
        cut_power: float = 1.0,
        truncation: float = 1.0,
        keep_classes: int = 1,
        seed: int | None = None,
        device: str | None = None,
    ) -> None:
        super().__init__(ClipOptions(clip_model, steps, lr, cutouts, cut_power, seed, device))
        self.biggan_model = biggan_model
        self.truncation = truncation
        self.keep_classes = keep_classes

    def weight_files(self) -> list[WeightFile]:
        return [*super().weight_files(), *biggan_files(self.biggan_model)]

    def describe(self) -> str:
        return f"{super().describe()} + {self.biggan_model}"

    def draw(
        self,
        scene: Scene,
        story: Story,
        size: tuple[int, int],
        out_path: Path,
        report: StageReporter,
        init_image: Path | None = None,
    ) -> None:
        """Write the scene's picture to ``out_path`` (BigGAN's size, cropped to the video's aspect)."""
        import torch

        from engine.images.backends.clip_guided import imageio

        result, latents = self._generate(scene, story, size, report, init_image)
        imageio.save_image(result.image, out_path)
        torch.save({k: v.detach().cpu() for k, v in latents.items()}, latents_path(out_path))
        height, width = result.image.shape[-2:]
        report(
            1.0,
            f"CLIP+BigGAN: {width}×{height}, CLIP distance {result.start_score:.3f} → {result.end_score:.3f}",
        )

    def generate(
        self,
        scene: Scene,
        story: Story,
        size: tuple[int, int],
        report: StageReporter,
        init_image: Path | None = None,
    ) -> LoopResult:
        """Run the optimisation and return the picture with its loss history (``draw`` saves it)."""
        return self._generate(scene, story, size, report, init_image)[0]

    def _generate(
        self,
        scene: Scene,
        story: Story,
        size: tuple[int, int],
        report: StageReporter,
        init_image: Path | None,
    ) -> tuple[LoopResult, dict]:
        import torch

        from engine.images.backends.clip_guided import biggan_model, imageio
        from engine.images.backends.clip_guided.clip_model import load_clip
        from engine.images.backends.clip_guided.guidance import ClipGuide, CutoutSettings
        from engine.images.backends.clip_guided.optimise import run_loop
        from engine.images.backends.clip_guided.prompt import clip_prompt

        options = self.options
        device = self.device()
        prompt = clip_prompt(scene, story)
        report(
            0.0,
            f"CLIP+BigGAN: loading models; prompt “{prompt.text}”"
            + (f" ({prompt.note})" if prompt.note else ""),
        )
        for file in biggan_files(self.biggan_model):
            if not file.present:
                download(file, self.name, timeout=60.0)
        perceptor = load_clip(options.clip_model, device)
        model = biggan_model.load_biggan(biggan_dir(self.biggan_model), device)
        config = model.config

        generator = torch.Generator(device=device).manual_seed(self.scene_seed(scene, story))
        rows = biggan_model.block_count(model)
        noise = torch.randn(rows, config.z_dim, generator=generator, device=device)
        logits = torch.randn(1, config.num_classes, generator=generator, device=device) * 0.3 - 3.9
        guide = ClipGuide(perceptor, prompt.text, CutoutSettings(options.cutouts, options.cut_power), device)
        aspect = size[0] / size[1]

        saved = read_latents(latents_path(Path(init_image))) if init_image is not None else None
        if (
            saved is not None
            and saved["noise"].shape == noise.shape
            and saved["logits"].shape == logits.shape
        ):
            # Start near the previous scene: its latents plus a little fresh noise.
            noise = saved["noise"].to(device) * 0.9 + noise * 0.1
            logits = saved["logits"].to(device)
        elif init_image is not None and Path(init_image).is_file():
            square = config.output_dim
            crop = imageio.center_crop_to_aspect(torch.zeros(1, 3, square, square), aspect).shape[-2:]
            try:
                previous_picture = imageio.load_image(Path(init_image), (crop[1], crop[0]), device)
            except StageError as error:  # an unreadable previous picture only costs continuity
                report(0.0, f"CLIP+BigGAN: no continuity ({error.message})")
            else:
                guide.add_image_target(previous_picture, CONTINUITY_WEIGHT)

        noise = noise.detach().clone().requires_grad_(True)
        logits = logits.detach().clone().requires_grad_(True)

        def render() -> torch.Tensor:
            image = biggan_model.render(model, noise, torch.sigmoid(logits), self.truncation).add(1).div(2)
            return imageio.center_crop_to_aspect(image, aspect)

        result = run_loop(
            [noise, logits],
            render,
            guide,
            steps=options.steps,
            lr=options.lr,
            generator=generator,
            report=report,
            label="CLIP+BigGAN",
            regulariser=lambda: biggan_model.latent_penalty(noise, torch.sigmoid(logits), self.keep_classes),
        )
        return result, {"noise": noise, "logits": logits}
