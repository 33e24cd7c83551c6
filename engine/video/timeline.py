"""Where each scene sits in the video, from the narration's measured lengths.

The narration drives the clock: a scene lasts as long as its wav. ``layout`` places the wavs one
after another with a short lead-in, a pause between scenes (long enough for the pictures'
crossfade to happen in the pause, never over a spoken word) and a tail, and sets
``scene.start``/``scene.end`` to the absolute span of the scene's *narration* in the video. The
pictures' spans (``picture_spans``) follow from those: each cut sits in the middle of a pause.
"""

from __future__ import annotations

import itertools
import wave
from dataclasses import dataclass
from pathlib import Path

from engine.story import Scene, Story

#: Seconds of picture before the first word, so the viewer sees the first frame before the voice.
LEAD_IN = 0.6
#: Silence between two scenes' narration; the picture crossfade (CROSSFADE) happens inside it.
#: The narration block's wavs already end with ~0.45 s and start with ~0.15 s of silence, so the
#: listener hears ~1.3 s between scenes: a paragraph's breath, not a stall.
GAP = 0.7
#: Seconds of picture and music after the last word, for the music's fade-out.
TAIL = 1.6
#: Length of the crossfade between two pictures; never longer than the pause it sits in.
CROSSFADE = 0.7
#: Reading speed used only when a scene has no narration audio at all (characters per second).
FALLBACK_CHARS_PER_SECOND = 14.0


@dataclass(frozen=True)
class PictureSpan:
    """When one scene's picture is on screen: ``start``..``end`` (the crossfades straddle the cuts)."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def wav_duration(path: Path) -> float:
    """Seconds of audio in a PCM wav; falls back to ffprobe for anything ``wave`` cannot read."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            return wav.getnframes() / float(rate) if rate else 0.0
    except (wave.Error, EOFError):
        from engine.video.media import probe_duration  # only for odd files

        return probe_duration(path)


def narration_seconds(scene: Scene, folder: Path) -> float:
    """The scene's narration length: the wav when there is one, else the lines' timing, else a guess."""
    if scene.audio:
        path = folder / scene.audio
        if path.exists():
            return wav_duration(path)
    spoken = max((line.end for line in scene.lines), default=0.0)
    if spoken > 0:
        return spoken
    return max(2.0, len(scene.text) / FALLBACK_CHARS_PER_SECOND)


def layout(story: Story, folder: Path) -> float:
    """Set every scene's absolute narration span and return the video's total duration (seconds)."""
    t = LEAD_IN
    for i, scene in enumerate(story.scenes):
        if i:
            t += GAP
        length = narration_seconds(scene, folder)
        scene.start = round(t, 3)
        scene.end = round(t + length, 3)
        t = scene.end
    if not story.scenes:
        return 0.0
    return round(t + TAIL, 3)


def total_duration(story: Story) -> float:
    """The duration ``layout`` returned, recomputed from the scenes (for callers given a laid-out story)."""
    if not story.scenes:
        return 0.0
    return round(max(s.end for s in story.scenes) + TAIL, 3)


def picture_spans(story: Story, total: float) -> list[PictureSpan]:
    """Each picture's on-screen span: cuts in the middle of each pause, first from 0, last to ``total``.

    Adjacent spans share the cut instant; the assembler overlaps them by the crossfade around it.
    """
    scenes = story.scenes
    cuts = [0.0]
    for prev, nxt in itertools.pairwise(scenes):
        cuts.append(round((prev.end + nxt.start) / 2.0, 3))
    cuts.append(total)
    return [PictureSpan(s.index, cuts[i], cuts[i + 1]) for i, s in enumerate(scenes)]


def crossfade_length(story: Story, spans: list[PictureSpan]) -> float:
    """One crossfade length for the whole video: CROSSFADE, shortened if a pause or picture is shorter."""
    length = CROSSFADE
    for prev, nxt in itertools.pairwise(story.scenes):
        pause = nxt.start - prev.end
        if pause > 0:
            length = min(length, pause)
    for span in spans:
        length = min(length, span.duration / 2.0)
    return max(0.1, round(length, 3))
