"""ruGPT-3 (the seed's text model) or any Hugging Face causal LM, through transformers.

Names like ``ai-forever/rugpt3small_based_on_gpt2`` (also medium/large) or a local folder saved
with ``save_pretrained``. Weights come from the model cache under engine.paths.models_dir(); they
are downloaded into it only where the engine's download policy allows (engine.settings:
DIGITELLER_ALLOW_DOWNLOADS=1; HF_HUB_OFFLINE=1 forces it off). Anything missing becomes
BackendUnavailable with the reason, never a traceback.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine import paths
from engine.errors import BackendUnavailable
from engine.text.base import Message, cut_at_stop, render_plain

DEFAULT_MODEL = "ai-forever/rugpt3small_based_on_gpt2"
ALIASES = {
    "rugpt3": DEFAULT_MODEL,
    "rugpt3small": DEFAULT_MODEL,
    "rugpt3medium": "ai-forever/rugpt3medium_based_on_gpt2",
    "rugpt3large": "ai-forever/rugpt3large_based_on_gpt2",
}


def hf_cache_dir() -> Path:
    path = paths.models_dir() / "huggingface"
    path.mkdir(parents=True, exist_ok=True)
    return path


def downloads_allowed() -> bool:
    """The engine's one download policy (engine.settings: DIGITELLER_ALLOW_DOWNLOADS, default off)."""
    from engine.settings import downloads_allowed as allowed

    return allowed()


def resolve_model(spec: str | None) -> str:
    """ "rugpt3" / "rugpt3medium" / "rugpt3:NAME_OR_PATH" / a name or path → the name or path to load."""
    if not spec:
        return DEFAULT_MODEL
    if spec.startswith("rugpt3:"):
        spec = spec.split(":", 1)[1]
    return ALIASES.get(spec, spec)


def is_cached(name_or_path: str) -> bool:
    """True when the weights are on disk (a local folder, or the hub name in our model cache)."""
    local = Path(name_or_path).expanduser()
    if local.is_dir():
        return (local / "config.json").is_file()
    repo_dir = hf_cache_dir() / ("models--" + name_or_path.replace("/", "--"))
    return any(repo_dir.glob("snapshots/*/config.json"))


def _make_torchvision_importable() -> None:
    """transformers imports torchvision when it is installed; the pinned CPU torch needs the shim.

    The only torchvision pip can put beside torch 2.13.0 CPU fails to import on its own (see
    engine/torchvision_compat.py); without the shim, loading a GPT-2 fails too.
    """
    from engine.torchvision_compat import ensure_torchvision

    with contextlib.suppress(ImportError):  # torchvision absent or beyond repair: transformers copes
        ensure_torchvision()


def sample_continuation(
    tok: Any,
    model: Any,
    ids: Any,
    *,
    seed: int,
    temperature: float,
    max_tokens: int,
    stop: Sequence[str],
    top_p: float,
    top_k: int,
    repetition_penalty: float,
    always_sample: bool = False,
    suppress: Sequence[int] | None = None,
) -> str:
    """Sample up to ``max_tokens`` after ``ids`` with a transformers causal LM; the new text only,
    cut at the first stop string; ``suppress``: token ids never sampled. Shared by the ruGPT-3 and the HF chat backends (the caller holds
    its lock: seeding and generating must not interleave with another call)."""
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            do_sample=always_sample or temperature > 0,
            temperature=max(temperature, 1e-3),
            top_p=top_p,
            top_k=top_k,
            repetition_penalty=repetition_penalty,
            max_new_tokens=max_tokens,
            suppress_tokens=list(suppress) if suppress else None,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0),
        )
    return cut_at_stop(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True), stop)


@lru_cache(maxsize=2)
def load_causal_lm(
    name_or_path: str, device: str, dtype: str = "", backend: str = "rugpt3"
) -> tuple[Any, Any]:
    """(tokenizer, model) from a local folder or the model cache; downloads only where allowed.

    ``dtype`` "" keeps the checkpoint's default (float32 on CPU); "bfloat16" halves memory on GPUs.
    Shared by the ruGPT-3 and the transformers chat backends (``backend`` names the one in errors).
    """
    _make_torchvision_importable()
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendUnavailable(backend, "transformers is not installed") from exc
    local = Path(name_or_path).expanduser()
    source = str(local) if local.is_dir() else name_or_path
    kwargs: dict[str, Any] = {"cache_dir": str(hf_cache_dir())}
    model_kwargs: dict[str, Any] = dict(kwargs)
    if dtype:
        import torch

        model_kwargs["dtype"] = getattr(torch, dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(source, local_files_only=True, **model_kwargs)
    except (OSError, ValueError) as missing:
        if local.is_dir() or not downloads_allowed():
            raise BackendUnavailable(
                backend,
                f"{name_or_path} is not in the model cache {hf_cache_dir()} and downloads are off: {missing}",
            ) from missing
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, **model_kwargs)
        except Exception as exc:  # network errors come in many classes; all mean "not available here"
            raise BackendUnavailable(
                backend, f"{name_or_path} could not be downloaded into {hf_cache_dir()}: {exc}"
            ) from exc
    model.to(device)  # type: ignore[arg-type]  # transformers types .to() oddly
    model.eval()
    return tokenizer, model


class RuGPT3Backend:
    """Sampling with a causal LM; the model is loaded once per process."""

    instruct = False

    def __init__(self, spec: str | None = None, device: str | None = None) -> None:
        from engine.device import torch_device

        self.model_name = resolve_model(spec)
        self.device = device or torch_device()
        shown = Path(self.model_name).name if Path(self.model_name).is_dir() else self.model_name
        self.name = f"{shown} (transformers)"
        self._lock = threading.Lock()
        self.tokenizer, self.model = load_causal_lm(self.model_name, self.device)

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.8,
        stop: Sequence[str] = ("\n",),
    ) -> str:

        tok, model = self.tokenizer, self.model
        limit = int(
            getattr(model.config, "n_positions", 0) or getattr(model.config, "max_position_embeddings", 2048)
        )
        with self._lock:
            ids = tok(prompt, return_tensors="pt").input_ids[:, -(limit - max_tokens - 1) :].to(self.device)
            return sample_continuation(
                tok,
                model,
                ids,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                stop=stop,
                top_p=0.92,
                top_k=50,
                repetition_penalty=1.15,
                always_sample=True,
            )

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.7,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        script: str | None = None,  # a base model's continuation is left to the writer's filters
    ) -> str:
        """The protocol's chat for a base model: the messages as one document, continued.

        No grammar here: a ``schema`` cannot be enforced, and the writer's parser falls back to its
        own plan when the answer is not the JSON it asked for.
        """
        return self.generate(
            render_plain(messages), max_tokens=max_tokens, seed=seed, temperature=temperature, stop=stop
        )
