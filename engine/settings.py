"""Every ``DIGITELLER_*`` environment variable the engine reads, in one pydantic-settings class.

Why one class: the engine used to read eleven variables with ``os.environ.get`` in ten files, two of
them download switches pointing opposite ways. Here each variable has one name, one type, one
default and one docstring, and the README's table is written from this file.

``settings()`` builds a fresh ``EngineSettings`` on every call (cheap: a dozen environment
lookups), so a variable set by a test or by the bot before a job is seen at once; nothing caches a
stale value.

Downloads: ONE switch, ``DIGITELLER_ALLOW_DOWNLOADS`` (default off — the embedded defaults need no
network, and a machine without one must not hang on timeouts). ``HF_HUB_OFFLINE=1`` and the old
``DIGITELLER_OFFLINE=1`` (deprecated, pointed the other way) still force it off. Every loader that
fetches weights goes through ``fetch_into_cache``.
"""

from __future__ import annotations

import logging
import os
import shutil
import urllib.request
import warnings
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import BackendUnavailable

log = logging.getLogger(__name__)

#: The one size limit for a finished video: Telegram bots may send files "up to 50 MB". We take
#: 50·10⁶ bytes, the smaller of the two readings of "MB" (50·2²⁰ = 52 428 800 is 4.9 % more), so a
#: file under this limit is accepted whichever one Telegram means. The encoder aims below it with a
#: margin for the container (engine.video.bitrate) and ``engine.video.media.fit_to_bytes`` re-encodes
#: anything above it.
MAX_VIDEO_BYTES = 50 * 1000 * 1000

_TRUE = {"1", "true", "yes", "on"}


class EngineSettings(BaseSettings):
    """The engine's environment (prefix ``DIGITELLER_``). Empty strings count as unset."""

    model_config = SettingsConfigDict(env_prefix="DIGITELLER_", env_ignore_empty=True, extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "digiteller",
        description="Data home: prepared assets (art index, the assembled Gemma GGUF) and caches.",
    )
    models: Path | None = Field(
        None, description="Model cache (default HOME/models): weights are read from, and downloaded into, it."
    )
    allow_downloads: bool = Field(
        False, description="Let loaders download missing weights into the model cache (default: never)."
    )
    offline: bool | None = Field(
        None, description="Deprecated: DIGITELLER_OFFLINE=1 means DIGITELLER_ALLOW_DOWNLOADS=0."
    )
    device: str | None = Field(
        None, description="Force the torch device (cpu, cuda, mps); cpu also disables Vulkan."
    )
    text_threads: int | None = Field(None, description="Threads for llama.cpp (default: the usable cores).")
    upscale_threads: int | None = Field(
        None, description="Threads for ncnn upscaling (default: measured best)."
    )
    gemma_gguf: Path | None = Field(None, description="Use this GGUF instead of the assembled Gemma 3 270M.")
    openmoji: Path | None = Field(None, description="An OpenMoji checkout to use instead of the npm package.")
    soundfont: Path | None = Field(
        None, description="The SoundFont (.sf2) for the music (default FluidR3_GM)."
    )
    rhvoice: str | None = Field(
        None, description="`subprocess` makes RHVoice run through its command line instead of the library."
    )


def settings() -> EngineSettings:
    """The engine's settings as the environment says now."""
    return EngineSettings()


def downloads_allowed() -> bool:
    """The one download policy: DIGITELLER_ALLOW_DOWNLOADS=1, unless an offline switch is on."""
    s = settings()
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in _TRUE:
        return False
    if s.offline is not None:
        warnings.warn(
            "DIGITELLER_OFFLINE is deprecated; use DIGITELLER_ALLOW_DOWNLOADS=0/1",
            DeprecationWarning,
            stacklevel=2,
        )
        if s.offline:
            return False
    return s.allow_downloads


def fetch_into_cache(url: str, dest: Path, *, block: str, timeout: float = 30.0) -> Path:
    """``dest`` (a path in the model cache), downloading ``url`` into it first when it is missing.

    Atomic (a ``.part`` file renamed into place), so a crash never leaves half a checkpoint that
    looks complete. Raises ``BackendUnavailable(block, …)`` saying how to get the file when
    downloads are not allowed or fail — a backend without weights is unavailable, not broken.
    """
    if dest.is_file():
        return dest
    if not downloads_allowed():
        raise BackendUnavailable(
            block,
            f"{dest.name} is not in the model cache {dest.parent}; put it there or set "
            "DIGITELLER_ALLOW_DOWNLOADS=1 on a machine with internet",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    log.info("downloading %s into %s", url, dest)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, length=1 << 20)
    except OSError as error:  # URLError, timeouts and disk errors are all OSErrors
        partial.unlink(missing_ok=True)
        raise BackendUnavailable(
            block, f"missing {dest}; downloading {url} failed ({error}); copy the file there by hand"
        ) from error
    partial.replace(dest)
    return dest


#: Rows of the README's table: (variable, meaning), in the class's order.
def documented() -> list[tuple[str, str]]:
    return [
        (f"DIGITELLER_{name.upper()}", field.description or "")
        for name, field in EngineSettings.model_fields.items()
    ]
