"""`python -m engine`: make a story video from a prompt, list voices, check backends, prepare assets.

One command does one thing, with good defaults and a progress line (piper / llama.cpp style).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.backends import BackendStatus
from engine.blocks import Blocks
from engine.errors import BackendUnavailable, Cancelled, FolderBusy, PromptError, StageError
from engine.folder import attempt, clear_folder
from engine.progress import CancelToken, Progress
from engine.story import ASPECTS, GENRES, STAGES, Story, StoryRequest

EXAMPLES = """\
examples:
  python -m engine story "Жил-был дракон, который боялся темноты" -o dragon.mp4
  python -m engine story "A lighthouse keeper finds a talking seagull" --lang en -o gull.mp4
  python -m engine story "Кот и лиса" --voice rhvoice:tatiana --genre fable --aspect 9:16 -o fox.mp4
  python -m engine story --workdir dragon.story --redo images -o dragon.mp4   # redo one stage
  python -m engine voices --lang ru
  python -m engine doctor
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="DigiTeller engine: turns a story prompt into a narrated, illustrated video.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each block does")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    story = sub.add_parser(
        "story",
        help="make a story video from a prompt",
        description="Write a story from PROMPT, narrate it, score it, illustrate it and assemble the video. "
        "Writes OUT.mp4 and OUT.json (scenes, timings, backends); keeps every intermediate file in the "
        "working folder so a stage can be redone without redoing the others.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    story.add_argument("prompt", nargs="?", help="the story's beginning or idea (Russian or English)")
    story.add_argument(
        "-o", "--output", type=Path, default=Path("story.mp4"), help="video file (default story.mp4)"
    )
    story.add_argument(
        "--lang",
        choices=("ru", "en", "auto"),
        default="auto",
        help="story language (default: from the prompt)",
    )
    story.add_argument(
        "--voice", help="narrator voice id (see `python -m engine voices`); default: best for the language"
    )
    story.add_argument(
        "--genre",
        choices=("auto", *GENRES),
        default="auto",
        help="shapes the plot plan (default: from the prompt)",
    )
    story.add_argument("--scenes", type=int, help="number of scenes (default: 6–10 from the duration)")
    story.add_argument(
        "--duration", type=float, default=75.0, help="target narration length in seconds (default 75)"
    )
    story.add_argument(
        "--aspect", choices=tuple(ASPECTS), default="16:9", help="frame shape (default 16:9 = 1280×720)"
    )
    story.add_argument(
        "--seed", type=int, default=42, help="random seed: the same seed and prompt give the same story"
    )
    story.add_argument("--no-music", action="store_true", help="narration only")
    story.add_argument(
        "--text-backend",
        default="auto",
        help="auto (the embedded Qwen) | qwen | gguf:PATH (any chat GGUF) | hf:ID_OR_PATH (any HF instruct model)"
        " | gemma | rugpt3",
    )
    story.add_argument(
        "--image-backend",
        default="auto",
        help="auto | composer | vqgan | biggan | sd-turbo | flux-schnell | kandinsky-2.2 | diffusers:PATH",
    )
    story.add_argument(
        "--upscale-model", default="auto", help="realesr-animevideov3 | realesrgan-x4plus | auto"
    )
    story.add_argument("--workdir", type=Path, help="story folder (default: OUT with .story instead of .mp4)")
    story.add_argument(
        "--redo",
        action="append",
        default=[],
        choices=STAGES,
        help="redo a stage (and what depends on it) in an existing workdir",
    )
    story.add_argument("--fresh", action="store_true", help="discard an existing workdir and start anew")
    story.add_argument("--quiet", action="store_true", help="no progress bar")

    voices = sub.add_parser("voices", help="list the narrator voices and whether each is available")
    voices.add_argument("--lang", choices=("ru", "en"), help="only voices of this language")
    voices.add_argument("--json", action="store_true", help="machine-readable output")

    doctor = sub.add_parser("doctor", help="check every backend of every block: ready, or what is missing")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")

    sub.add_parser("assets", help="prepare the embedded models and art (idempotent; run by scripts/setup.sh)")
    sub.add_parser(
        "upscale",
        help="upscale one image with Real-ESRGAN (see `python -m engine upscale --help`)",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None, *, blocks: Blocks | None = None) -> int:
    """Run one command; ``blocks`` replaces the ones ``build_blocks`` would make (tests pass fakes)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["upscale"]:  # the block owns its own options
        from engine.upscale.cli import main as upscale_main

        return upscale_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command == "story":
        return _story(args, parser, blocks)
    if args.command == "voices":
        return _voices(args)
    if args.command == "doctor":
        return _doctor(args)
    if args.command == "assets":
        return _assets()
    parser.print_help()
    return 2


class _Bar:
    """One progress line on stderr: overall bar, current stage, its own fraction and message."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.plain = enabled and not self.enabled
        self.start = time.monotonic()
        self._last = ("", -1)

    def __call__(self, p: Progress) -> None:
        if self.enabled:
            width = 24
            filled = round(p.overall * width)
            line = (
                f"\r[{'█' * filled}{'░' * (width - filled)}] {p.overall * 100:3.0f}%  "
                f"{p.stage:<7} {p.fraction * 100:3.0f}%  {p.message[:48]:<48} {time.monotonic() - self.start:5.0f}s"
            )
            sys.stderr.write(line)
            sys.stderr.flush()
        elif self.plain:
            key = (p.stage, int(p.fraction * 4))  # in logs: a line per stage quarter, not per event
            if key != self._last:
                self._last = key
                print(
                    f"[{time.monotonic() - self.start:6.1f}s] {p.stage}: {p.fraction * 100:3.0f}% {p.message}",
                    file=sys.stderr,
                )

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _new_request(
    args: argparse.Namespace, parser: argparse.ArgumentParser, workdir: Path
) -> StoryRequest | int:
    """The request for a new PROMPT, or an exit code when the prompt or the workdir refuse it."""
    from engine.pipeline import REQUEST_FILE, load_request
    from engine.text import validate_prompt

    try:
        prompt = validate_prompt(args.prompt)
    except PromptError as exc:
        print(f"error: {exc}" + (f"\n{exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 2
    if args.scenes is not None and not 1 <= args.scenes <= 30:
        parser.error("--scenes must be between 1 and 30")
    if not 10 <= args.duration <= 600:
        parser.error("--duration must be between 10 and 600 seconds")
    request = StoryRequest(
        prompt=prompt,
        lang=args.lang,
        voice=args.voice,
        genre=args.genre,
        scenes=args.scenes,
        duration=args.duration,
        aspect=args.aspect,
        seed=args.seed,
        music=not args.no_music,
        text_backend=args.text_backend,
        image_backend=args.image_backend,
        upscale_model=args.upscale_model,
    )
    if args.fresh and workdir.exists():
        try:
            clear_folder(workdir)  # crash safety: under the folder's lock, never under a live runner
        except FolderBusy as exc:
            print(f"error: {exc}\n{exc.hint}", file=sys.stderr)
            return 2
    if (workdir / REQUEST_FILE).exists():
        previous = load_request(workdir)
        if previous != request and not args.redo:
            print(
                f"error: {workdir} holds a story made from other settings (prompt «{previous.prompt[:60]}»).\n"
                "Pass --fresh to replace it, another -o / --workdir for a new story, "
                "or no PROMPT to resume it.",
                file=sys.stderr,
            )
            return 2
        if not args.redo:
            print(f"resuming the story in {workdir} (--fresh starts it anew)", file=sys.stderr)
    return request


def _story(args: argparse.Namespace, parser: argparse.ArgumentParser, blocks: Blocks | None) -> int:
    from engine.pipeline import REQUEST_FILE, load_request, run_story

    output: Path = args.output
    if output.suffix.lower() != ".mp4":
        output = output.with_suffix(".mp4")
    workdir: Path = args.workdir or output.with_suffix(".story")
    if args.prompt is None:
        if not (workdir / REQUEST_FILE).exists():
            parser.error("story: give a PROMPT, or --workdir of an existing story to resume or redo")
        request = load_request(workdir)
    else:
        made = _new_request(args, parser, workdir)
        if isinstance(made, int):
            return made
        request = made
    bar = _Bar(not args.quiet)
    cancel = CancelToken()
    try:
        story = run_story(request, workdir, bar, cancel, redo=tuple(args.redo), blocks=blocks)
    except KeyboardInterrupt:
        cancel.cancel()
        bar.close()
        print(
            f"cancelled; finished stages are kept in {workdir} — run the same command to resume",
            file=sys.stderr,
        )
        return 130
    except Cancelled:
        bar.close()
        return 130
    except (PromptError, FolderBusy) as exc:
        bar.close()
        print(f"error: {exc}" + (f"\n{exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 2
    except StageError as exc:
        bar.close()
        print(f"error: stage '{exc.stage}' failed: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        print(
            f"finished stages are kept in {workdir}; fix the cause and run the same command to resume",
            file=sys.stderr,
        )
        return 1
    bar.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    with attempt(output) as tmp:  # crash safety: OUT.mp4 is whole or absent, never half-copied
        shutil.copyfile(workdir / story.video["file"], tmp)
    summary = _summary(story, workdir, output)
    output.with_suffix(".json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    v = story.video
    total = sum(story.timings.values())
    print(
        f"{output}  «{story.title}»  {v.get('duration', 0):.1f} s, {v.get('width')}×{v.get('height')}, "
        f"{v.get('size_bytes', 0) / 1e6:.1f} MB; made in {total:.0f} s of stage time"
    )
    for note in story.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _summary(story: Story, workdir: Path, output: Path) -> dict[str, Any]:
    """OUT.json: title, scenes (text, prompts, pictures, timed lines), backends, timings and the video
    facts, with absolute paths so it is usable away from the workdir."""
    return {
        "title": story.title,
        "prompt": story.prompt,
        "language": story.lang,
        "genre": story.genre,
        "voice": story.voice,
        "mood": story.mood,
        "seed": story.seed,
        "backends": story.backends,
        "style_en": story.style_en,
        "cast": [asdict(member) for member in story.cast],
        "scenes": [
            {
                "index": s.index,
                "text": s.text,
                "image_prompt": s.image_prompt,
                "keywords": s.keywords,
                "keywords_en": s.keywords_en,
                "mood": s.mood,
                "characters": s.characters,
                "place_en": s.place_en,
                "time_of_day": s.time_of_day,
                "action_en": s.action_en,
                "tags_en": s.tags_en,
                "image_backend": s.image_backend,
                "image_prompt_used": s.image_prompt_used,
                "image_seed": s.image_seed,
                "image": str((workdir / s.image).resolve()) if s.image else None,
                "frame": str((workdir / s.frame).resolve()) if s.frame else None,
                "image_matches": s.image_matches,
                "start": round(s.start, 3),
                "end": round(s.end, 3),
                "lines": [
                    {
                        "text": ln.text,
                        "speaker": ln.speaker,
                        "voice": ln.voice,
                        "start": round(s.start + ln.start, 3),
                        "end": round(s.start + ln.end, 3),
                    }
                    for ln in s.lines
                ],
            }
            for s in story.scenes
        ],
        "timings": story.timings,
        "video": {**story.video, "file": str(output.resolve())},
        "workdir": str(workdir.resolve()),
        "notes": story.notes,
    }


def _voices(args: argparse.Namespace) -> int:
    from engine.speech import catalogue

    voices = [v for v in catalogue() if args.lang in (None, v.lang)]
    if args.json:
        print(json.dumps([asdict(v) for v in voices], ensure_ascii=False, indent=2))
        return 0
    print(f"{'id':<24} {'lang':<4} {'name':<16} {'gender':<7} {'backend':<8} {'licence':<18} status")
    for v in voices:
        status = "available" if v.available else f"unavailable: {v.why_not}"
        print(
            f"{v.id:<24} {v.lang:<4} {v.name:<16} {v.gender:<7} {v.backend:<8} {v.licence[:18]:<18} {status}"
        )
    return 0


def _doctors() -> dict[str, Callable[[], list[BackendStatus]]]:
    """Each block's doctor, in pipeline order (explicit imports: every block is part of the build)."""
    from engine import images, music, speech, text, upscale, video

    return {
        "text": text.doctor,
        "speech": speech.doctor,
        "music": music.doctor,
        "images": images.doctor,
        "upscale": upscale.doctor,
        "video": video.doctor,
    }


def _doctor(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for block, doctor in _doctors().items():
        try:
            statuses = doctor()
        except Exception as exc:  # doctor must report, not crash
            rows.append(
                {
                    "block": block,
                    "name": "-",
                    "ready": False,
                    "detail": f"doctor failed: {exc}",
                    "default": False,
                }
            )
            continue
        rows.extend(
            {"block": s.block, "name": s.name, "ready": s.ready, "detail": s.detail, "default": s.default}
            for s in statuses
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            mark = "ok " if r["ready"] else "-- "
            default = " (default)" if r["default"] else ""
            print(f"{mark}{r['block']:<8} {r['name'] + default:<34} {r['detail']}")
    essential = {"text", "speech", "video"}
    ok = all(any(r["ready"] for r in rows if r["block"] == b) for b in essential)
    return 0 if ok else 1


def _assets() -> int:
    from engine.images.assets import ensure_assets as images_assets
    from engine.text.assets import ensure_assets as text_assets
    from engine.upscale.assets import ensure_assets as upscale_assets

    preparers = {"text": text_assets, "images": images_assets, "upscale": upscale_assets}
    failed = False
    for block, ensure_assets in preparers.items():
        started = time.monotonic()
        try:
            ensure_assets()
        except (BackendUnavailable, OSError, RuntimeError) as exc:
            print(f"assets: {block}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"assets: {block} ready ({time.monotonic() - started:.1f} s)")
    return 1 if failed else 0
