"""The narration block (TTS).

Module map: ``base`` (the ``TtsBackend`` Protocol), ``backends/`` (``rhvoice`` + ``rhvoice_lib``,
``piper``, ``silero``, ``espeak``; the registry ``get_backend``/``BACKENDS``/``doctor``), ``voices``
(the catalogue: every voice, its licence, whether it can speak here, its reading speed),
``normalize`` (numbers, abbreviations, symbols, Latin words → speakable text per backend policy),
``dialogue`` (narration vs direct speech, who speaks), ``synth`` (one line → one wav: normalise,
synthesise, resample, trim, loudness), ``narrate`` (a story's scenes → timed audio), ``audio`` and
``loudness`` (wav I/O, own BS.1770 meter), ``measure`` (reading-speed measurement), ``licences``.

Public API used by the pipeline and the bot:
- ``Narrator``: the pipeline's entry (engine.blocks);
- ``catalogue()`` / ``voices_for(lang)`` / ``default_voice(lang)``: the voices and which can speak;
- ``synthesize(text, voice_id, out_wav, report=None) -> seconds``: one line to one wav;
- ``narrate(story, folder, report, voice=None)``: every scene to timed, loudness-normalised audio;
- ``doctor()``: readiness of every TTS backend;
- ``chars_per_second(voice_id, lang)``: measured reading speed, for sizing text to a duration;
- ``warm_up(voice_id)``: load a voice's model ahead of time (e.g. in a thread during the text stage).

Importing this package is cheap: no model is loaded until a voice is asked to speak.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.speech.audio import SAMPLE_RATE
from engine.speech.backends import doctor
from engine.speech.narrate import narrate
from engine.speech.synth import synthesize, warm_up
from engine.speech.voices import VoiceInfo, catalogue, chars_per_second, default_voice, voices_for

if TYPE_CHECKING:
    from engine.progress import StageReporter
    from engine.story import Story

__all__ = [
    "SAMPLE_RATE",
    "Narrator",
    "VoiceInfo",
    "catalogue",
    "chars_per_second",
    "default_voice",
    "doctor",
    "narrate",
    "synthesize",
    "voices_for",
    "warm_up",
]


class Narrator:
    """The speech block's entry for the pipeline (engine.blocks): narrates a story, and tells the text
    block how fast a voice reads so the story is written to the right length."""

    name = "speech"

    def narrate(self, story: Story, folder: Path, report: StageReporter, voice: str | None) -> None:
        narrate(story, folder, report, voice=voice)

    def chars_per_second(self, voice: str | None, lang: str) -> float:
        return chars_per_second(voice or default_voice(lang), lang)
