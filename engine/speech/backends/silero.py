"""The seed's Silero TTS, loaded from the official checkpoint format.

Silero publishes its TTS models as ``torch.package`` archives (``v4_ru.pt``, ``v3_en.pt``) whose
pickled ``tts_models/model`` object exposes ``apply_tts(text=, speaker=, sample_rate=)``. They are
not in any package registry, so here they come from the model cache (``engine.paths.models_dir()
/silero``); a machine with internet may fetch them from Silero's URL scheme when downloads are
allowed (``DIGITELLER_ALLOW_DOWNLOADS=1``). Otherwise: BackendUnavailable with what to do.

Silero reads '+' stress marks and only Cyrillic letters in its Russian models, hence the policy.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import BackendUnavailable, StageError
from engine.progress import CancelToken
from engine.settings import fetch_into_cache
from engine.speech.normalize import Policy

POLICY = Policy(stress=True, latin="translit")
SAMPLE_RATE = 24_000  # one of Silero's 8000 / 24000 / 48000, and the project's own rate
MAX_CHARS = 800  # Silero v3/v4 refuse very long inputs; longer text is sent sentence by sentence
URL = "https://models.silero.ai/models/tts/{lang}/{name}"

_lock = threading.Lock()
_models: dict[Path, Any] = {}


def ensure_model(lang: str) -> Path:
    """The checkpoint's path in the cache, downloading it first only where that is allowed."""
    from engine.speech.voices import SILERO_MODELS, silero_model_path

    if lang not in SILERO_MODELS:
        raise BackendUnavailable("silero", f"no Silero model for language {lang!r}")
    path = silero_model_path(lang)
    if path.is_file():
        return path
    return fetch_into_cache(URL.format(lang=lang, name=path.name), path, block="silero")


def load_package(path: Path) -> Any:
    """Load a Silero ``torch.package`` checkpoint (cached per path) and move it to the device."""
    with _lock:
        if path not in _models:
            try:
                import torch
            except ImportError as exc:
                raise BackendUnavailable("silero", "torch is not installed") from exc
            from engine.device import cpu_threads, torch_device

            torch.set_num_threads(cpu_threads())
            try:
                importer = torch.package.PackageImporter(str(path))
                model = importer.load_pickle("tts_models", "model")
            except Exception as exc:
                raise BackendUnavailable("silero", f"{path.name} is not a Silero TTS package: {exc}") from exc
            if hasattr(model, "to"):
                model.to(torch.device(torch_device()))
            _models[path] = model
        return _models[path]


def _chunks(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    out, current = [], ""
    for sentence in re.split(r"(?<=[.!?…])\s+", text):
        while len(sentence) > MAX_CHARS:  # a run-on sentence: cut at a space
            cut = sentence.rfind(" ", 0, MAX_CHARS)
            cut = cut if cut > 0 else MAX_CHARS
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + len(sentence) + 1 > MAX_CHARS:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        out.append(current)
    return out


def synthesize_with(model: Any, text: str, speaker: str, cancel: CancelToken | None = None) -> np.ndarray:
    """Run ``apply_tts`` on ``text`` (split into Silero-sized chunks); float32 mono at SAMPLE_RATE."""
    import torch

    speakers = getattr(model, "speakers", None)
    if speakers is not None and speaker not in speakers:
        raise StageError(
            "speech", f"Silero model has no speaker {speaker!r}", hint=f"one of {list(speakers)}"
        )
    parts = []
    with torch.inference_mode():
        for chunk in _chunks(text):
            if cancel is not None:
                cancel.check()
            audio = model.apply_tts(text=chunk, speaker=speaker, sample_rate=SAMPLE_RATE)
            parts.append(audio.detach().float().cpu().numpy().reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def synth(text: str, voice: str, lang: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
    """``voice`` is the speaker ("aidar", "en_0"); ``lang`` picks the checkpoint."""
    model = load_package(ensure_model(lang))
    return synthesize_with(model, text, voice, cancel), SAMPLE_RATE


class SileroBackend:
    """The seed's Silero TTS from a checkpoint in the model cache (``TtsBackend``)."""

    name = "silero"

    def policy(self) -> Policy:
        return POLICY

    def synth(
        self, text: str, voice: str, lang: str, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, int]:
        return synth(text, voice, lang, cancel)

    def warm_up(self, voice: str, lang: str) -> None:
        load_package(ensure_model(lang))
