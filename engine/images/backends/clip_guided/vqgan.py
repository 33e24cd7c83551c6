"""CLIP+VQGAN: optimise a VQGAN latent until CLIP finds the decoded picture matches the scene.

Each scene starts from the previous scene's picture (encoded into the latent) when one is given,
so consecutive pictures share palette and layout; otherwise from random codebook entries. The
picture is drawn at the VQGAN's working size (``max_side`` on the longer side, in the video's
aspect, whole 16-pixel latent cells); the upscale block raises it to the video size later.
Heavy modules (torch, clip, taming) are imported only inside ``draw``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import StageError
from engine.images.backends.clip_guided.base import ClipOptions, SeedIllustrator
from engine.images.backends.clip_guided.requirements import VQGAN_MODULES
from engine.images.backends.clip_guided.weights import WeightFile, download, vqgan_files
from engine.progress import StageReporter
from engine.story import Scene, Story

if TYPE_CHECKING:
    from engine.images.backends.clip_guided.optimise import LoopResult


class VQGANIllustrator(SeedIllustrator):
    """The seed's CLIP+VQGAN generator (taming-transformers' ``vqgan_imagenet_f16_16384``)."""

    name = "clip+vqgan"
    modules = VQGAN_MODULES

    def __init__(
        self,
        clip_model: str = "ViT-B/32",
        vqgan_model: str = "vqgan_imagenet_f16_16384",
        steps: int = 250,
        lr: float = 0.1,
        cutouts: int = 32,
        cut_power: float = 1.0,
        max_side: int = 400,
        seed: int | None = None,
        device: str | None = None,
    ) -> None:
        super().__init__(ClipOptions(clip_model, steps, lr, cutouts, cut_power, seed, device))
        self.vqgan_model = vqgan_model
        self.max_side = max_side

    def weight_files(self) -> list[WeightFile]:
        return [*super().weight_files(), *vqgan_files(self.vqgan_model)]

    def describe(self) -> str:
        return f"{super().describe()} + VQGAN {self.vqgan_model}"

    def draw(
        self,
        scene: Scene,
        story: Story,
        size: tuple[int, int],
        out_path: Path,
        report: StageReporter,
        init_image: Path | None = None,
    ) -> None:
        """Write the scene's picture to ``out_path`` (PNG at the VQGAN's working size)."""
        from engine.images.backends.clip_guided import imageio

        result = self.generate(scene, story, size, report, init_image)
        imageio.save_image(result.image, out_path)
        height, width = result.image.shape[-2:]
        report(
            1.0,
            f"CLIP+VQGAN: {width}×{height}, CLIP distance {result.start_score:.3f} → {result.end_score:.3f}",
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
        import torch

        from engine.images.backends.clip_guided import imageio, vqgan_model
        from engine.images.backends.clip_guided.clip_model import load_clip
        from engine.images.backends.clip_guided.guidance import ClipGuide, CutoutSettings
        from engine.images.backends.clip_guided.optimise import run_loop
        from engine.images.backends.clip_guided.prompt import clip_prompt

        options = self.options
        device = self.device()
        prompt = clip_prompt(scene, story)
        report(
            0.0,
            f"CLIP+VQGAN: loading models; prompt “{prompt.text}”"
            + (f" ({prompt.note})" if prompt.note else ""),
        )
        config_file, checkpoint_file = vqgan_files(self.vqgan_model)
        for file in (config_file, checkpoint_file):
            if not file.present:
                download(file, self.name)
        perceptor = load_clip(options.clip_model, device)
        model = vqgan_model.load_vqgan(config_file.path, checkpoint_file.path, device)

        generator = torch.Generator(device=device).manual_seed(self.scene_seed(scene, story))
        step = vqgan_model.downsampling(model)
        width, height = vqgan_model.native_size(size, self.max_side, step)
        z = None
        if init_image is not None and Path(init_image).is_file():
            try:
                start = imageio.load_image(Path(init_image), (width, height), device)
            except StageError as error:  # an unreadable previous picture only costs continuity
                report(0.0, f"CLIP+VQGAN: starting afresh ({error.message})")
            else:
                z = vqgan_model.encode(model, start)
        if z is None:
            z = vqgan_model.random_latent(model, (width // step, height // step), generator, device)
        z = z.detach().clone().requires_grad_(True)
        z_min, z_max = vqgan_model.latent_bounds(model)

        guide = ClipGuide(perceptor, prompt.text, CutoutSettings(options.cutouts, options.cut_power), device)

        def keep_in_codebook_range() -> None:
            z.copy_(torch.maximum(torch.minimum(z, z_max), z_min))

        result = run_loop(
            [z],
            lambda: vqgan_model.decode(model, z),
            guide,
            steps=options.steps,
            lr=options.lr,
            generator=generator,
            report=report,
            label="CLIP+VQGAN",
            after_step=keep_in_codebook_range,
        )
        if tuple(result.image.shape[-2:]) != (height, width):
            raise StageError(
                "images", f"VQGAN produced {tuple(result.image.shape)}, expected {height}×{width}"
            )
        return result
