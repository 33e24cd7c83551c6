"""The ``transformer`` music backend: our Music Transformer (trained on the music21 folk-song corpus)
writes the melody, ``compose`` arranges it (chords + bass), FluidSynth renders it with a SoundFont.
Heavy imports (torch, pretty_midi, numpy) happen inside the methods."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable, StageError

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

MIN_SECONDS = 5.0
MAX_SECONDS = 900.0


class TransformerScorer:
    """``MusicBackend``: the checkpoint shipped in engine/music/checkpoint, loaded on first use."""

    name = "transformer"

    def score(self, story: Story, folder: Path, duration: float, report: StageReporter) -> None:
        """Write ``folder/music/score.mid`` and ``score.wav`` (~``duration`` s) for the story's mood."""
        from engine.music.checkpoint import load_model
        from engine.music.compose import compose, write_arrangement
        from engine.music.render import find_soundfont, fluidsynth_binary, render
        from engine.music.style import story_mood, style_for

        try:
            seconds = float(duration)
        except (TypeError, ValueError):
            raise StageError(
                "music", f"the music length must be a number of seconds, not {duration!r}"
            ) from None
        if seconds != seconds or seconds <= 0:  # NaN or empty narration
            raise StageError("music", f"the music length must be positive, got {duration!r}")
        seconds = min(MAX_SECONDS, max(MIN_SECONDS, seconds))
        soundfont = find_soundfont()  # fail fast, before composing, when rendering is impossible
        fluidsynth_binary()
        report(0.0, "loading the music model")
        model = load_model()
        style = style_for(story_mood(story.mood, [s.mood for s in story.scenes]))
        report(0.05, f"composing {seconds:.0f} s of {style.mood} music")
        arrangement = compose(
            style, seconds, seed=int(story.seed), model=model, progress=lambda f, m: report(0.05 + 0.7 * f, m)
        )
        if not arrangement.melody:
            raise StageError("music", "the model produced no notes", hint="try another seed")
        out = folder / "music"
        out.mkdir(parents=True, exist_ok=True)
        write_arrangement(arrangement, out / "score.mid")
        report(0.8, f"rendering with FluidSynth ({soundfont.stem})")
        render(out / "score.mid", out / "score.wav", soundfont, duration=seconds, cancel=report.cancel)
        story.midi = "music/score.mid"
        story.music = "music/score.wav"
        story.backends["music"] = (
            f"music-transformer (ours, {model.n_params()} params) + FluidSynth {soundfont.stem}"
        )
        story.notes.append(
            f"music: {style.mood} ({style.mode}, {style.bpm:.0f} bpm), {arrangement.tunes} generated tune(s), "
            f"{arrangement.seconds:.1f} s written in {arrangement.generation_seconds:.1f} s"
        )
        report(1.0, "music ready")

    def status(self) -> BackendStatus:
        """One doctor row: the checkpoint, the FluidSynth renderer and a SoundFont must all be there."""
        from engine.music.checkpoint import checkpoint_file
        from engine.music.render import find_soundfont, fluidsynth_binary

        parts: list[str] = []
        ready = True
        ckpt = checkpoint_file()
        if ckpt.exists():
            parts.append(
                f"{ckpt} ({ckpt.stat().st_size / 1e6:.1f} MB), trained on the music21 Essen folk songs"
            )
        else:
            ready = False
            parts.append(f"{ckpt} missing: python -m engine.music train")
        try:
            parts.append(f"FluidSynth {fluidsynth_binary()}")
        except BackendUnavailable as exc:
            ready = False
            parts.append(exc.reason)
        try:
            font = find_soundfont()
            parts.append(f"SoundFont {font} ({font.stat().st_size / 1e6:.0f} MB)")
        except BackendUnavailable as exc:
            ready = False
            parts.append(exc.reason)
        return BackendStatus("music", self.name, ready, "; ".join(parts), default=ready)
