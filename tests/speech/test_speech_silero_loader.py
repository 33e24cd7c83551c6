"""The Silero loading path, exercised with a tiny stand-in model — NOT Silero's weights.

Silero's checkpoints (v4_ru.pt, v3_en.pt) are ``torch.package`` archives holding a pickled model
under ("tts_models", "model") whose ``apply_tts(text=, speaker=, sample_rate=)`` returns a 1-D
waveform tensor. They cannot be downloaded here, so this test builds a package of the same format
around a small randomly initialised torch module with that interface, puts it where the model
cache expects ``v4_ru.pt``, and runs it through the very same code (catalogue presence check →
ensure_model → PackageImporter.load_pickle → apply_tts → resample/trim/loudness → wav). It proves
the loader and the plumbing, not the voice quality, which only the real checkpoint has.
"""

from __future__ import annotations

import sys
import types

import pytest

torch = pytest.importorskip("torch")

from engine.errors import BackendUnavailable, StageError  # noqa: E402
from engine.speech import (  # noqa: E402
    SAMPLE_RATE,
    catalogue,
    synthesize,
    voices,
)
from engine.speech.audio import read_wav, stats  # noqa: E402
from engine.speech.backends import silero  # noqa: E402
from engine.speech.voices import silero_model_path  # noqa: E402

SAMPLES_PER_CHAR = 240  # the tiny model emits 10 ms of audio per input character

TINY_SOURCE = '''
import torch


class TinyTTS(torch.nn.Module):
    """Random weights, Silero's call signature: text characters in, a waveform out."""

    def __init__(self, speakers):
        super().__init__()
        self.speakers = list(speakers)
        self.chars = torch.nn.Embedding(1200, 16)
        self.voice = torch.nn.Embedding(len(self.speakers), 16)
        self.out = torch.nn.Linear(16, 240)
        self.calls = []

    def apply_tts(self, text, speaker, sample_rate=48000, put_accent=True, put_yo=True):
        self.calls.append((text, speaker, sample_rate))
        ids = torch.tensor([min(ord(c), 1199) for c in text])
        h = self.chars(ids) + self.voice(torch.tensor(self.speakers.index(speaker)))
        return 0.5 * torch.tanh(self.out(h)).reshape(-1)
'''


def build_tiny_package(path, speakers):
    """Write a torch.package in Silero's layout: interned model source + pickle at tts_models/model."""
    module = types.ModuleType("tiny_silero_tts")
    exec(compile(TINY_SOURCE, "tiny_silero_tts.py", "exec"), module.__dict__)
    sys.modules["tiny_silero_tts"] = module
    try:
        torch.manual_seed(0)
        model = module.TinyTTS(speakers)
        path.parent.mkdir(parents=True, exist_ok=True)
        with torch.package.PackageExporter(str(path)) as exporter:
            exporter.extern(["torch", "torch.**"])
            exporter.save_source_string("tiny_silero_tts", TINY_SOURCE)
            exporter.save_pickle("tts_models", "model", model)
    finally:
        del sys.modules["tiny_silero_tts"]


@pytest.fixture
def tiny_ru_model():
    path = silero_model_path("ru")
    build_tiny_package(path, ["aidar", "baya", "kseniya", "xenia", "eugene"])
    voices._cache = None  # the model just appeared: do not wait for the catalogue's cache to expire
    silero._models.clear()
    yield path
    silero._models.clear()


def test_catalogue_marks_silero_available_once_the_model_is_cached(tiny_ru_model):
    by_id = {v.id: v for v in catalogue()}
    assert by_id["silero:ru:aidar"].available and by_id["silero:ru:xenia"].available
    assert not by_id["silero:en:en_0"].available  # only the Russian file is in the cache


def test_loader_runs_apply_tts_through_synthesize(tmp_path, tiny_ru_model):
    out = tmp_path / "s.wav"
    seconds = synthesize("В 2024 году з+амок стоял.", "silero:ru:baya", out)
    samples, rate = read_wav(out)
    assert rate == SAMPLE_RATE and seconds > 0
    model = silero._models[tiny_ru_model]
    text, speaker, sample_rate = model.calls[-1]
    # Silero gets normalised text with its '+' stress mark and the speaker we asked for
    assert text == "В две тысячи двадцать четвёртом году з+амок стоял."
    assert (speaker, sample_rate) == ("baya", SAMPLE_RATE)
    assert seconds == pytest.approx(len(text) * SAMPLES_PER_CHAR / SAMPLE_RATE, abs=0.1)
    assert stats(samples, rate)["voiced"] > 0.9


def test_loaded_package_is_cached_between_lines(tmp_path, tiny_ru_model):
    synthesize("Раз.", "silero:ru:aidar", tmp_path / "a.wav")
    first = silero._models[tiny_ru_model]
    synthesize("Два.", "silero:ru:eugene", tmp_path / "b.wav")
    assert silero._models[tiny_ru_model] is first and len(first.calls) == 2


def test_long_text_is_sent_in_silero_sized_chunks(tmp_path, tiny_ru_model):
    text = " ".join(["Лиса бежала по тёмному лесу и пела песню."] * 40)
    synthesize(text, "silero:ru:xenia", tmp_path / "long.wav")
    calls = silero._models[tiny_ru_model].calls
    assert len(calls) > 1 and all(len(c[0]) <= silero.MAX_CHARS for c in calls)


def test_unknown_speaker_is_a_clear_error(tmp_path, tiny_ru_model):
    with pytest.raises(StageError):
        synthesize("Привет", "silero:ru:nobody", tmp_path / "x.wav")


def test_missing_model_is_backend_unavailable_without_download(tmp_path):
    with pytest.raises(BackendUnavailable) as err:
        synthesize("Привет", "silero:ru:aidar", tmp_path / "x.wav")
    assert "model cache" in err.value.reason and "DIGITELLER_ALLOW_DOWNLOADS" in err.value.reason


def test_a_file_that_is_not_a_package_is_reported(tmp_path):
    path = silero_model_path("ru")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a zip")
    silero._models.clear()
    with pytest.raises(BackendUnavailable):
        synthesize("Привет", "silero:ru:aidar", tmp_path / "x.wav")
