"""The narration block: a story's scenes become per-scene wav files with timed lines.

For every scene: split the text into narration and direct speech, give every character one voice
for the whole story (same language as the story, not the narrator's voice, the character's gender
when the text reveals it, else the other gender than the narrator's), synthesise each line, join the
lines with short natural pauses, and normalise the scene's loudness to -16 LUFS (measured). The
durations written here are the real ones; the timeline builds the video from them.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

from engine.errors import BackendUnavailable, Cancelled, StageError
from engine.progress import StageReporter
from engine.speech import loudness
from engine.speech.audio import SAMPLE_RATE, read_wav, silence, write_wav
from engine.speech.dialogue import Cast, Segment, assign_speakers, split_sentences, split_text
from engine.speech.synth import SynthResult, parse_voice, synthesize_to
from engine.speech.voices import VoiceInfo, default_voice, find, voices_for
from engine.story import Line, Scene, Story

LEAD_IN = 0.15  # silence before the first line of a scene
TAIL = 0.45  # after the last line, so scenes do not run into each other
PAUSE_SENTENCE = 0.35  # between sentences of one stretch of text
PAUSE_SAME_SPEAKER = 0.3
PAUSE_NEW_SPEAKER = 0.45
PAUSE_NEW_PARAGRAPH = 0.55
EMPTY_SCENE = 1.0  # a scene without speakable text still gets a moment on screen

_GENDER = {"m": "male", "f": "female"}


def choose_narrator(story: Story, voice: str | None) -> tuple[str, list[str]]:
    """The narrator's voice id and remarks about any fallback taken."""
    notes: list[str] = []
    wanted = voice or story.voice or default_voice(story.lang)
    parse_voice(wanted)  # unknown id: a clear StageError
    info = find(wanted)
    if info is not None and not info.available:
        fallback = default_voice(story.lang)
        notes.append(f"speech: voice {wanted} unavailable ({info.why_not}); used {fallback}")
        wanted = fallback
    return wanted, notes


class VoiceCaster:
    """One voice per character per story, different from the narrator's, matching gender if known."""

    def __init__(self, lang: str, narrator: str) -> None:
        self.narrator = narrator
        narrator_info = find(narrator)
        self.narrator_gender = narrator_info.gender if narrator_info else ""
        pool = [v for v in voices_for(lang) if v.available and v.id != narrator]
        # espeak-ng only when nothing better exists: its robotic timbre jars beside neural voices
        self.pool: list[VoiceInfo] = [v for v in pool if v.backend != "espeak"] or pool
        self.assigned: dict[str, str] = {}

    def _espeak_variant(self, speaker: str, gender: str) -> str:
        """Nothing but the narrator speaks this language: give characters espeak-ng's voice
        variants (female f3/f4, male m3/m5) so that they still sound unlike the narrator."""
        lang = parse_voice(self.narrator).lang
        want = gender or ("m" if self.narrator_gender == "female" else "f")
        variants = ("f3", "f4", "m3", "m5") if want == "f" else ("m3", "m5", "f3", "f4")
        used = Counter(self.assigned.values())
        choice = min((f"espeak:{lang}+{v}" for v in variants), key=lambda vid: used[vid])
        self.assigned[speaker] = choice
        return choice

    def voice_for(self, speaker: str, gender: str) -> str:
        if speaker == "narrator":
            return self.narrator
        if speaker in self.assigned:
            return self.assigned[speaker]
        if not self.pool:
            return self._espeak_variant(speaker, gender)
        want = _GENDER.get(gender) or ("male" if self.narrator_gender == "female" else "female")
        used = Counter(self.assigned.values())

        def score(v: VoiceInfo) -> tuple[int, int, int]:
            return (used[v.id], 0 if v.gender == want else 1, self.pool.index(v))

        choice = min(self.pool, key=score).id
        self.assigned[speaker] = choice
        return choice


def scene_lines(scene: Scene, lang: str, cast: Cast, caster: VoiceCaster) -> list[tuple[Line, Segment]]:
    segments = split_text(scene.text or "")
    assign_speakers(segments, lang, cast)
    out = []
    for seg in segments:
        speaker = seg.speaker if seg.speech else "narrator"
        voice = caster.voice_for(speaker, seg.gender)
        for sentence in split_sentences(seg.text):  # one line per sentence: subtitles timed exactly
            out.append((Line(text=sentence.strip(), speaker=speaker, voice=voice), seg))
    return out


def _pause(prev: tuple[Line, Segment] | None, cur: tuple[Line, Segment]) -> float:
    if prev is None:
        return LEAD_IN
    if prev[1] is cur[1]:
        return PAUSE_SENTENCE
    if prev[1].paragraph != cur[1].paragraph:
        return PAUSE_NEW_PARAGRAPH
    return PAUSE_SAME_SPEAKER if prev[0].speaker == cur[0].speaker else PAUSE_NEW_SPEAKER


def narrate(story: Story, folder: Path, report: StageReporter, voice: str | None = None) -> None:
    """Synthesise every scene of ``story`` into ``folder/speech``; fills lines, audio paths, timings."""
    narrator, notes = choose_narrator(story, voice)
    story.voice = narrator
    lang = story.lang if story.lang in ("ru", "en") else parse_voice(narrator).lang
    caster = VoiceCaster(lang, narrator)
    cast = Cast()
    speech_dir = folder / "speech"
    speech_dir.mkdir(parents=True, exist_ok=True)

    plan = [(scene, scene_lines(scene, lang, cast, caster)) for scene in story.scenes]
    total = max(1, sum(len(lines) for _, lines in plan))
    done = 0
    backends_used: Counter[str] = Counter()
    spoken_seconds = compute_seconds = 0.0
    started = time.perf_counter()
    report(0.0, f"narrator {narrator}")

    for scene, lines in plan:
        parts: list[np.ndarray] = []
        cursor = 0.0
        prev = None
        for k, (line, seg) in enumerate(lines):
            wav = speech_dir / f"scene_{scene.index:02d}_line_{k:02d}.wav"
            line.voice, result = _speak_with_fallback(line, wav, lang, narrator, notes, report)
            backends_used[parse_voice(line.voice).backend] += 1
            spoken_seconds += result.duration
            compute_seconds += result.compute
            gap = silence(_pause(prev, (line, seg)))
            samples, _ = read_wav(wav)
            parts += [gap, samples]
            line.start = round(cursor + gap.size / SAMPLE_RATE, 3)
            cursor += (gap.size + samples.size) / SAMPLE_RATE
            line.end = round(cursor, 3)
            line.audio = str(wav.relative_to(folder))
            prev = (line, seg)
            done += 1
            report(done / total, f"scene {scene.index + 1}: line {k + 1}/{len(lines)} ({line.voice})")
        parts.append(silence(TAIL if lines else EMPTY_SCENE))
        joined = np.concatenate(parts)
        joined, _ = loudness.normalize(joined, SAMPLE_RATE)
        scene_wav = speech_dir / f"scene_{scene.index:02d}.wav"
        write_wav(scene_wav, joined, SAMPLE_RATE)
        scene.lines = [line for line, _ in lines]
        scene.audio = str(scene_wav.relative_to(folder))

    story.backends["speech"] = (
        "+".join(b for b, _ in backends_used.most_common()) or parse_voice(narrator).backend
    )
    cast_note = ", ".join(f"{k}={v}" for k, v in caster.assigned.items())
    rtf = spoken_seconds / compute_seconds if compute_seconds else 0.0
    notes.append(
        f"speech: narrator {narrator}"
        + (f"; characters {cast_note}" if cast_note else "")
        + f"; {spoken_seconds:.1f} s of speech in {time.perf_counter() - started:.1f} s"
        + f" ({rtf:.1f}x real time)"
    )
    # a redo of the stage replaces this block's remarks instead of piling them up
    story.notes[:] = [n for n in story.notes if not n.startswith("speech:")] + notes
    report(1.0, "narration done")


def _speak_with_fallback(
    line: Line, wav: Path, lang: str, narrator: str, notes: list[str], report: StageReporter
) -> tuple[str, SynthResult]:
    """Try the line's voice, then the narrator's, then espeak-ng; say so in the notes when it falls back."""
    tried: list[str] = []
    for voice_id in dict.fromkeys([line.voice or narrator, narrator, f"espeak:{lang}"]):
        try:
            result = synthesize_to(line.text, voice_id, wav, cancel=report.cancel)
        except Cancelled:
            raise
        except (BackendUnavailable, StageError) as exc:
            tried.append(f"{voice_id}: {exc}")
            continue
        if tried:
            notes.append(f"speech: fell back to {voice_id} ({'; '.join(tried)})")
        return voice_id, result
    raise StageError(
        "speech", "no voice could speak a line: " + " | ".join(tried), hint="python -m engine doctor"
    )
