"""Where super-resolution sits in the pipeline: scene images → video frames, small assets → usable size.

Frames are written a little larger than the video (``HEADROOM``, same aspect) so the video block's
Ken Burns zoom crops into real pixels instead of enlarging the frame again. An image that already
covers the video frame is only cropped and resized (Lanczos): running the network to gain the last
15 % of zoom room would cost seconds per frame for no visible gain.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from engine.errors import BackendUnavailable, StageError
from engine.folder import attempt
from engine.progress import StageReporter
from engine.story import Story
from engine.upscale.backends import get_upscaler
from engine.upscale.base import MAX_SCALE, Upscaler

log = logging.getLogger(__name__)

#: Frames are this much larger than the video frame: room for a 1.15× Ken Burns zoom.
HEADROOM = 1.15
#: An image this close to covering the video counts as "at size": cropping to the frame's aspect
#: can cost a pixel or two, and a 2 % Lanczos enlargement is invisible (the model would take seconds).
AT_SIZE = 1.02


def frame_size(size: tuple[int, int], headroom: float = HEADROOM) -> tuple[int, int]:
    """``size`` × ``headroom``, rounded to even numbers (what H.264 needs) with the aspect kept."""
    return (2 * round(size[0] * headroom / 2 + 1e-6), 2 * round(size[1] * headroom / 2 + 1e-6))


def crop_to_aspect(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The largest centred crop of ``img`` with the aspect ratio of ``size`` (cover, not letterbox)."""
    want = size[0] / size[1]
    if img.width / img.height > want:
        width = max(1, round(img.height * want))
        left = (img.width - width) // 2
        return img.crop((left, 0, left + width, img.height))
    height = max(1, round(img.width / want))
    top = (img.height - height) // 2
    return img.crop((0, top, img.width, top + height))


def cover_scale(img_size: tuple[int, int], size: tuple[int, int]) -> float:
    """How much an image must grow to cover ``size`` (≤ 1: it already does)."""
    return max(size[0] / img_size[0], size[1] / img_size[1])


def pick_scale(scales: tuple[int, ...], need: float) -> int:
    """The smallest native model scale that reaches ``need``, else the largest there is."""
    fitting = [s for s in sorted(scales) if s >= need - 1e-9]
    return fitting[0] if fitting else max(scales)


def fit_frames(
    story: Story,
    folder: Path,
    size: tuple[int, int],
    report: StageReporter,
    *,
    model: str = "auto",
    backend: str = "auto",
    headroom: float = HEADROOM,
) -> None:
    """Write ``folder/frames/scene_XX.png`` for every scene with an image and set ``scene.frame``.

    Sets ``story.backends["upscale"]`` to what really ran. With ``model="auto"`` a missing backend
    degrades to Lanczos with a note in ``story.notes``; a model asked for by name must run.
    """
    scenes = [s for s in story.scenes if s.image]
    if not scenes:
        story.backends["upscale"] = "skipped: no scene images"
        report(1.0, "no images to fit")
        return
    target = frame_size(size, headroom)
    frames_dir = folder / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    upscaler: Upscaler | None = None
    unavailable: str | None = None
    by_scale: dict[int, int] = {}
    resized_only = 0
    for done, scene in enumerate(scenes):
        report(done / len(scenes), f"scene {scene.index}")
        source = _open_image(folder / str(scene.image))
        if source.size == tuple(size) and source.mode == "RGB":
            # Already the video's size and opaque (the composer draws at size): the assembly scales
            # it for the Ken Burns motion itself, so re-encoding a bigger PNG here is wasted work.
            scene.frame = scene.image
            resized_only += 1
            continue
        # Flatten first: frames are opaque, and a transparent image would cost a second model pass.
        img = crop_to_aspect(_flatten(source), target)
        if cover_scale(img.size, size) > AT_SIZE and unavailable is None:
            if upscaler is None:
                try:
                    upscaler = get_upscaler(model, backend)
                except BackendUnavailable as exc:
                    if model not in ("", "auto") or backend != "auto":
                        raise StageError(
                            "upscale", str(exc), "pick another --upscale model or backend"
                        ) from None
                    unavailable = exc.reason
            if upscaler is not None:
                scale = pick_scale(upscaler.scales, cover_scale(img.size, target))

                def tick(f: float, base: float = done, note: str = f"scene {scene.index}: x{scale}") -> None:
                    report((base + f) / len(scenes), note)

                img = upscaler.upscale(img, scale, progress=tick)
                by_scale[scale] = by_scale.get(scale, 0) + 1
        else:
            resized_only += 1
        frame = img.resize(target, Image.Resampling.LANCZOS) if img.size != target else img
        out = frames_dir / f"scene_{scene.index:02d}.png"
        with attempt(out) as tmp:  # crash safety: renamed into place when complete
            frame.save(tmp)
        scene.frame = out.relative_to(folder).as_posix()
    story.backends["upscale"] = _summary(upscaler, by_scale, resized_only, unavailable, len(scenes))
    if unavailable is not None:
        story.notes.append(f"upscale: Real-ESRGAN unavailable ({unavailable}); frames enlarged with Lanczos")
    report(1.0, f"{len(scenes)} frames at {target[0]}x{target[1]}")


def _summary(
    upscaler: Upscaler | None,
    by_scale: dict[int, int],
    resized_only: int,
    unavailable: str | None,
    total: int,
) -> str:
    if unavailable is not None:
        return f"lanczos: Real-ESRGAN unavailable ({unavailable})"
    if upscaler is None or not by_scale:
        return "skipped: all frames at size"
    parts = ", ".join(f"{count} x{scale}" for scale, count in sorted(by_scale.items()))
    extra = f"; {resized_only} at size, resized only" if resized_only else ""
    return f"{upscaler.describe()}: {parts} of {total} frames{extra}"


def _open_image(path: Path) -> Image.Image:
    try:
        with Image.open(path) as img:
            img.load()
            return img
    except FileNotFoundError:
        raise StageError("upscale", f"scene image {path} is missing", "redo the images stage") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise StageError(
            "upscale", f"scene image {path} cannot be read ({exc})", "redo the images stage"
        ) from None


def _flatten(img: Image.Image) -> Image.Image:
    """Video frames are opaque: transparent parts go onto black, the colour of the video's borders."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        back = Image.new("RGB", rgba.size, (0, 0, 0))
        back.paste(rgba, mask=rgba.getchannel("A"))
        return back
    return img.convert("RGB")


def upscale_asset(img: Image.Image, min_side: int, model: str = "auto") -> Image.Image:
    """Enlarge a raster asset (emoji bitmap, PNG clip art) so its shorter side is ``min_side``.

    Real-ESRGAN keeps outlines sharp where resizing blurs them; the result is resampled to exactly
    ``min_side`` so callers get a predictable size. Assets already that large come back unchanged.
    Without a backend it falls back to Lanczos (logged): an asset must never stop a story.
    """
    if min_side < 1:
        raise ValueError("min_side must be positive")
    short = min(img.size)
    if short < 1:
        raise ValueError("the asset image is empty")
    if short >= min_side:
        return img
    target = (max(1, round(img.width * min_side / short)), max(1, round(img.height * min_side / short)))
    if img.width == img.height:
        target = (min_side, min_side)
    scale = min(MAX_SCALE, math.ceil(min_side / short))
    try:
        big = get_upscaler(model).upscale(img, scale)
    except BackendUnavailable as exc:
        log.warning("upscale_asset: %s; resizing with Lanczos", exc)
        big = img
    return big.resize(target, Image.Resampling.LANCZOS) if big.size != target else big
