"""`python -m engine doctor` rows for the text block: is each backend ready, or what is missing."""

from __future__ import annotations

import importlib.util

from engine.backends import BackendStatus


def doctor() -> list[BackendStatus]:
    from engine.text.assets import gguf_path, is_verified
    from engine.text.backends.gemma import NAME as GEMMA_NAME
    from engine.text.backends.gemma import max_threads
    from engine.text.backends.rugpt3 import DEFAULT_MODEL, downloads_allowed, hf_cache_dir, is_cached

    rows: list[BackendStatus] = []
    path = gguf_path()
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    gemma_ready = path.is_file() and has_llama
    if gemma_ready:
        size_mb = path.stat().st_size / 1e6
        verified = "sha256 verified" if is_verified(path) else "not verified by `engine assets`"
        detail = (
            f"{GEMMA_NAME}: {path} ({size_mb:.0f} MB, {verified}), "
            f"up to {max_threads()} threads (fewer while the CPU is busy)"
        )
    elif not has_llama:
        detail = "llama-cpp-python is not installed (scripts/setup.sh installs it)"
    else:
        detail = f"GGUF missing at {path}: run `python -m engine assets`"
    rows.append(BackendStatus("text", "gemma", gemma_ready, detail, default=gemma_ready))

    has_tf = importlib.util.find_spec("transformers") is not None
    cached = has_tf and is_cached(DEFAULT_MODEL)
    if cached:
        detail = f"{DEFAULT_MODEL} in {hf_cache_dir()} (transformers)"
    elif not has_tf:
        detail = "transformers is not installed"
    else:
        how = "will download on first use" if downloads_allowed() else "downloads are off"
        detail = (
            f"{DEFAULT_MODEL} not in the model cache {hf_cache_dir()} ({how}; offline machines "
            "cannot fetch it); select another with text_backend=rugpt3:NAME_OR_PATH"
        )
    rows.append(BackendStatus("text", "rugpt3", cached, detail, default=cached and not gemma_ready))
    return rows
