"""The final video: moving stills with crossfades, burned-in subtitles, the soundtrack; one ffmpeg run.

Safety: ffmpeg gets an argument list (no shell). Input files go in as ``-i file:/abs/path`` (taken
literally), and the filter graph holds only numbers and fixed labels — the one file it names is
``subtitles.ass`` in ffmpeg's working directory, a fixed safe name, so neither a story's text nor
its folder's name ever becomes filter-graph syntax.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import StageError
from engine.folder import attempt_path
from engine.lang.fonts import find_font
from engine.progress import StageReporter
from engine.settings import MAX_VIDEO_BYTES
from engine.story import ASPECTS, Story
from engine.video import audio, bitrate, kenburns, subtitles, verify
from engine.video.ffmpeg_run import run_ffmpeg
from engine.video.media import probe
from engine.video.timeline import crossfade_length, layout, picture_spans, total_duration

FPS = 25
#: Chosen by measurement (engine/video/bench.py, CPU s per video s at 720p, whole assembly):
#: veryfast 0.50, faster 0.72 at a similar size; superfast ~0.51 but 2x the bytes; ultrafast 0.40
#: but 4x the bytes at the same CRF (which the 50 MB cap then turns into blockiness).
PRESET = "veryfast"
WORK_DIR = "assembly"
ASS_NAME = "subtitles.ass"


@dataclass(frozen=True)
class Segment:
    """One picture's stretch of frames on the output timeline (frames include crossfade overlaps)."""

    picture: Path
    first_frame: int
    frames: int
    motion: kenburns.Motion


def _picture(story: Story, folder: Path, scene_pos: int, work: Path, size: tuple[int, int]) -> Path:
    """The scene's frame (or its image); a text card drawn on the spot if neither file exists."""
    scene = story.scenes[scene_pos]
    for rel in (scene.frame, scene.image):
        if rel and (folder / rel).is_file():
            return folder / rel
    from engine.video.card import draw_card

    path = work / f"card_{scene.index:02d}.png"
    draw_card(scene, story, size, path)
    story.notes.append(f"scene {scene.index}: no picture file; the video shows a text card")
    return path


def plan_segments(story: Story, folder: Path, total: float, work: Path, size: tuple[int, int]) -> tuple:
    """Frame-exact segments and the crossfade length in frames (even, so it straddles each cut)."""
    spans = picture_spans(story, total)
    fade = max(2, round(crossfade_length(story, spans) * FPS) // 2 * 2)
    total_frames = round(total * FPS)
    cuts = [round(s.start * FPS) for s in spans] + [total_frames]
    segments = []
    for i in range(len(spans)):
        first = 0 if i == 0 else cuts[i] - fade // 2
        last = total_frames if i == len(spans) - 1 else cuts[i + 1] + fade // 2
        motion = kenburns.motion_for(i, story.seed)
        segments.append(Segment(_picture(story, folder, i, work, size), first, last - first, motion))
    return segments, fade, total_frames


def filter_graph(
    segments: list[Segment], fade: int, size: tuple[int, int], subs: str | None, audio_chain: str
) -> str:
    """Ken Burns chain per picture, an xfade chain joining them, then the subtitles; the soundtrack
    gets its final gain and a loudness meter (whose summary reports the output's LUFS)."""
    parts = [
        kenburns.scene_chain(f"[{i}:v]", seg.motion, seg.frames, size, FPS) + f"[v{i}]"
        for i, seg in enumerate(segments)
    ]
    label = "[v0]"
    for i in range(1, len(segments)):
        offset = segments[i].first_frame / FPS
        parts.append(
            f"{label}[v{i}]xfade=transition=fade:duration={fade / FPS:.4f}:offset={offset:.4f}[x{i}]"
        )
        label = f"[x{i}]"
    tail = f"subtitles=filename={subs}," if subs else ""
    parts.append(f"{label}{tail}format=yuv420p[vout]")
    parts.append(f"[{len(segments)}:a]{audio_chain},asplit=2[aout][ameter];[ameter]{audio.METER}[meter]")
    return ";".join(parts)


def _encode_args(
    segments: list[Segment], audio: Path, graph: str, enc: bitrate.Encoding, total: float, out: Path
) -> list[str]:
    """ffmpeg's argument list: one still per scene (read literally, never as a %d pattern), the
    soundtrack, the graph, H.264/AAC in mp4 with the index up front, and the meter's null output."""
    args = ["ffmpeg", "-y"]
    for seg in segments:
        args += ["-f", "image2", "-pattern_type", "none", "-i", "file:" + str(seg.picture.resolve())]
    args += ["-i", "file:" + str(audio.resolve()), "-filter_complex", graph]
    video = ["-map", "[vout]", "-c:v", "libx264", "-preset", PRESET, "-crf", str(enc.crf)]
    video += ["-maxrate", str(enc.maxrate), "-bufsize", str(enc.bufsize)]
    video += ["-pix_fmt", "yuv420p", "-profile:v", "high", "-r", str(FPS)]
    sound = ["-map", "[aout]", "-c:a", "aac", "-b:a", str(enc.audio_bps), "-ar", "48000", "-ac", "2"]
    container = ["-t", f"{total:.3f}", "-movflags", "+faststart", "-f", "mp4", "file:" + str(out.resolve())]
    meter = ["-map", "[meter]", "-f", "null", "-"]
    return args + video + sound + container + meter


def assemble(
    story: Story, folder: Path, out_path: Path, report: StageReporter, size: tuple[int, int] | None = None
) -> dict[str, Any]:
    """Encode the story's video to ``out_path``; return what story.video should hold.

    ``size`` overrides the aspect's resolution (tests use tiny frames to stay fast)."""
    folder = Path(folder).resolve()
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        raise StageError("video", "ffmpeg is not installed", hint="apt-get install ffmpeg")
    if not story.scenes:
        raise StageError("video", "the story has no scenes to show")
    if story.aspect not in ASPECTS:
        raise StageError("video", f"unknown aspect {story.aspect!r}", hint="Use 16:9, 9:16 or 1:1.")
    size = size or ASPECTS[story.aspect]
    if all(scene.end <= 0 for scene in story.scenes):  # not laid out yet (e.g. a hand-made story)
        layout(story, folder)
    total = total_duration(story)
    work = folder / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    report(0.0, "mixing the soundtrack")
    sound = audio.build(story, folder, total, work, report.cancel)
    report(0.08, "writing subtitles")
    font = find_font()
    cues = subtitles.story_cues(story, subtitles.max_chars_for(size), folder)
    subtitles.write_ass(cues, size, font.family if font else "DejaVu Sans", work / ASS_NAME)

    segments, fade, _ = plan_segments(story, folder, total, work, size)
    enc = bitrate.choose(total, size)
    graph = filter_graph(segments, fade, size, ASS_NAME if cues else None, sound.encode_filter())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = attempt_path(out_path)  # crash safety: this attempt's own file (engine/folder.py)
    report(0.1, "encoding the video")
    audio_done = time.monotonic()

    def on_time(seconds: float) -> None:
        report(0.1 + 0.86 * min(1.0, seconds / total), f"encoding {seconds:.0f}/{total:.0f} s")

    try:
        log = run_ffmpeg(
            _encode_args(segments, sound.path, graph, enc, total, partial),
            "video",
            report.cancel,
            on_time,
            cwd=work,
        )
        checked_at = time.monotonic()
        report(0.96, "checking the video")
        checked = verify.check_video(partial, total, FPS, report.cancel)  # crash safety: counts only if sound
        info = probe(partial)
        if info.size_bytes > MAX_VIDEO_BYTES:
            raise StageError(
                "video",
                f"the video came out at {info.size_bytes / 1e6:.1f} MB, over {MAX_VIDEO_BYTES / 1e6:.0f} MB",
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out_path)
    ended = time.monotonic()
    report(1.0, "video ready")
    return {
        "file": out_path.name if out_path.parent.resolve() == folder else str(out_path),
        "duration": info.duration,
        "size_bytes": info.size_bytes,
        "width": info.width,
        "height": info.height,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "pix_fmt": info.pix_fmt,
        "fps": info.fps,
        "lufs": sound.lufs(audio.parse_ebur128(log)[0]),
        "music": sound.music is not None,
        "subtitle_cues": len(cues),
        "checked": checked,
        "encoder": {"preset": PRESET, "crf": enc.crf, "maxrate": enc.maxrate, "audio_bps": enc.audio_bps},
        "seconds": {
            "audio": round(audio_done - started, 2),
            "encode": round(checked_at - audio_done, 2),
            "check": round(ended - checked_at, 2),
        },
    }
