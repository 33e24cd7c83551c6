"""RHVoice in-process through its C API (``libRHVoice.so.5``, Debian package ``librhvoice5``).

Why: ``RHVoice-test`` starts a process and reloads the voice for every line (~0.15 s each, ~40 lines
a story); the library keeps the engine and voices loaded, a short line costs ~0.04 s. It also lets
us pass our own configuration with ``stress_marker=+``, so '+' stress marks are honoured instead of
being read aloud.

Robustness: the ctypes structures below mirror ``/usr/include/RHVoice.h`` of RHVoice 1.8.0 exactly
(checked against the header); a different library version could have another layout and crash the
process, so the in-process path is used only when ``RHVoice_get_version()`` says "1.8.0". Anything
else — library missing, other version, engine creation failing, ``DIGITELLER_RHVOICE=subprocess`` —
makes ``engine()`` return None and the caller uses ``RHVoice-test``. Callbacks only copy samples;
one message is spoken at a time (a lock), and cancellation stops synthesis from the callback.
"""

from __future__ import annotations

import ctypes as C
import threading
from pathlib import Path

import numpy as np

from engine.errors import Cancelled, StageError
from engine.progress import CancelToken
from engine.settings import settings

VERIFIED_VERSION = b"1.8.0"
LIBRARY = "libRHVoice.so.5"
DATA_PATH = Path("/usr/share/RHVoice")
CONFIG = "; written by DigiTeller: '+' before a vowel marks stress (Russian)\nstress_marker=+\n"

_SetRate = C.CFUNCTYPE(C.c_int, C.c_int, C.c_void_p)
_PlaySpeech = C.CFUNCTYPE(C.c_int, C.POINTER(C.c_short), C.c_uint, C.c_void_p)
_ProcessMark = C.CFUNCTYPE(C.c_int, C.c_char_p, C.c_void_p)
_Position = C.CFUNCTYPE(C.c_int, C.c_uint, C.c_uint, C.c_void_p)
_PlayAudio = C.CFUNCTYPE(C.c_int, C.c_char_p, C.c_void_p)
_Done = C.CFUNCTYPE(None, C.c_void_p)


class _Callbacks(C.Structure):
    _fields_ = [
        ("set_sample_rate", _SetRate),
        ("play_speech", _PlaySpeech),
        ("process_mark", _ProcessMark),
        ("word_starts", _Position),
        ("word_ends", _Position),
        ("sentence_starts", _Position),
        ("sentence_ends", _Position),
        ("play_audio", _PlayAudio),
        ("done", _Done),
    ]


class _InitParams(C.Structure):
    _fields_ = [
        ("data_path", C.c_char_p),
        ("config_path", C.c_char_p),
        ("resource_paths", C.POINTER(C.c_char_p)),
        ("callbacks", _Callbacks),
        ("options", C.c_uint),
    ]


class _SynthParams(C.Structure):
    _fields_ = [
        ("voice_profile", C.c_char_p),
        ("absolute_rate", C.c_double),
        ("absolute_pitch", C.c_double),
        ("absolute_volume", C.c_double),
        ("relative_rate", C.c_double),
        ("relative_pitch", C.c_double),
        ("relative_volume", C.c_double),
        ("punctuation_mode", C.c_int),
        ("punctuation_list", C.c_char_p),
        ("capitals_mode", C.c_int),
        ("flags", C.c_int),
    ]


class Engine:
    """One loaded RHVoice engine for the process; ``speak`` is serialised by a lock."""

    def __init__(self, lib: C.CDLL, config_dir: Path) -> None:
        self._lib = lib
        self._lock = threading.Lock()
        self._rate = 0
        self._chunks: list[np.ndarray] = []
        self._cancel: CancelToken | None = None
        # keep the C callbacks referenced for the engine's lifetime (ctypes would free them)
        self._set_rate = _SetRate(self._on_rate)
        self._play = _PlaySpeech(self._on_speech)
        self._config = str(config_dir).encode()
        self._params = _InitParams(
            data_path=str(DATA_PATH).encode(),
            config_path=self._config,
            resource_paths=None,
            callbacks=_Callbacks(set_sample_rate=self._set_rate, play_speech=self._play),
            options=0,
        )
        lib.RHVoice_new_tts_engine.restype = C.c_void_p
        lib.RHVoice_new_tts_engine.argtypes = [C.POINTER(_InitParams)]
        lib.RHVoice_new_message.restype = C.c_void_p
        lib.RHVoice_new_message.argtypes = [
            C.c_void_p,
            C.c_char_p,
            C.c_uint,
            C.c_int,
            C.POINTER(_SynthParams),
            C.c_void_p,
        ]
        lib.RHVoice_speak.argtypes = [C.c_void_p]
        lib.RHVoice_speak.restype = C.c_int
        lib.RHVoice_delete_message.argtypes = [C.c_void_p]
        lib.RHVoice_get_number_of_voices.argtypes = [C.c_void_p]
        lib.RHVoice_get_number_of_voices.restype = C.c_uint
        self._engine = lib.RHVoice_new_tts_engine(C.byref(self._params))
        if not self._engine or lib.RHVoice_get_number_of_voices(self._engine) == 0:
            raise OSError("RHVoice engine could not be created (no voices found)")

    def _on_rate(self, rate: int, _user: int | None) -> int:
        self._rate = int(rate)
        return 1

    def _on_speech(self, samples, count: int, _user: int | None) -> int:
        if self._cancel is not None and self._cancel.is_set:
            return 0  # tells RHVoice to stop
        self._chunks.append(np.ctypeslib.as_array(samples, shape=(int(count),)).astype(np.float32) / 32768.0)
        return 1

    def speak(self, text: str, voice: str, cancel: CancelToken | None = None) -> tuple[np.ndarray, int]:
        data = text.encode("utf-8")
        params = _SynthParams(
            voice_profile=voice.encode("utf-8"),
            absolute_rate=0.0, absolute_pitch=0.0, absolute_volume=0.0,
            relative_rate=1.0, relative_pitch=1.0, relative_volume=1.0,
            punctuation_mode=0, punctuation_list=None, capitals_mode=0, flags=0,
        )  # fmt: skip
        with self._lock:
            self._chunks, self._cancel, self._rate = [], cancel, 0
            message = self._lib.RHVoice_new_message(self._engine, data, len(data), 0, C.byref(params), None)
            if not message:
                raise StageError("speech", f"RHVoice refused the text for voice {voice!r}")
            try:
                ok = self._lib.RHVoice_speak(message)
            finally:
                self._lib.RHVoice_delete_message(message)
                self._cancel = None
            if cancel is not None and cancel.is_set:
                raise Cancelled("cancelled")
            if not ok and not self._chunks:
                raise StageError("speech", f"RHVoice could not speak with voice {voice!r}")
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
            return audio, self._rate or 24_000


_engine_lock = threading.Lock()
_engine: Engine | None = None
_engine_error: str | None = None


def engine() -> Engine | None:
    """The process-wide in-process engine, or None (with ``why_not()``) when it cannot be used."""
    global _engine, _engine_error
    with _engine_lock:
        if _engine is not None or _engine_error is not None:
            return _engine
        if settings().rhvoice == "subprocess":
            _engine_error = "DIGITELLER_RHVOICE=subprocess"
            return None
        try:
            lib = C.CDLL(LIBRARY)
            lib.RHVoice_get_version.restype = C.c_char_p
            version = lib.RHVoice_get_version()
            if version != VERIFIED_VERSION:
                raise OSError(f"libRHVoice {version!r} is not the verified {VERIFIED_VERSION!r} layout")
            from engine.paths import cache_dir

            config_dir = cache_dir("rhvoice-config")
            (config_dir / "RHVoice.conf").write_text(CONFIG, encoding="utf-8")
            _engine = Engine(lib, config_dir)
        except (OSError, AttributeError) as exc:
            _engine_error = str(exc)
        return _engine


def why_not() -> str | None:
    engine()
    return _engine_error
