"""Any Hugging Face instruct model by hub id or local folder, through transformers.

Spec ``hf:NAME_OR_PATH`` (e.g. ``hf:Qwen/Qwen2.5-7B-Instruct``, ``hf:/models/saiga``). The
tokenizer's chat template turns the writer's messages into the model's own prompt format; on a GPU
the weights load in bfloat16 (half the memory of float32, no quality loss for generation), on CPU
in the checkpoint's default. Weights come from the engine's model cache and are downloaded into it
only where downloads are allowed (the same policy as the ruGPT-3 backend).

transformers cannot constrain decoding to a JSON schema without extra packages, so a ``schema``
is asked for in words (appended to the last message) and the writer parses defensively.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable
from engine.text.backends.rugpt3 import load_causal_lm, sample_continuation
from engine.text.base import Message


def resolve_model(spec: str) -> str:
    """``hf:NAME_OR_PATH`` or ``transformers:NAME_OR_PATH`` → the name or path to load."""
    for prefix in ("hf:", "transformers:"):
        if spec.startswith(prefix):
            return spec[len(prefix) :]
    return spec


def with_schema_request(messages: Sequence[Message], schema: dict[str, Any]) -> list[Message]:
    """The messages, the last one asking for JSON that follows ``schema`` (no grammar here)."""
    out = [Message(role=m["role"], content=m["content"]) for m in messages]
    note = "\n\nAnswer with one JSON object only, following this JSON schema:\n" + json.dumps(
        schema, ensure_ascii=False
    )
    if out and out[-1]["role"] == "user":
        out[-1] = Message(role="user", content=out[-1]["content"] + note)
    else:
        out.append(Message(role="user", content=note.strip()))
    return out


class TransformersChatBackend:
    """Chat with a causal LM whose tokenizer has a chat template; loaded once per process."""

    instruct = True

    def __init__(self, spec: str, device: str | None = None) -> None:
        from engine.device import torch_device

        self.model_name = resolve_model(spec)
        self.device = device or torch_device()
        dtype = "bfloat16" if self.device.startswith("cuda") else ""
        shown = Path(self.model_name).name if Path(self.model_name).expanduser().is_dir() else self.model_name
        self.name = f"{shown} (transformers)"
        self._lock = threading.Lock()
        self.tokenizer, self.model = load_causal_lm(self.model_name, self.device, dtype, "transformers_chat")
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendUnavailable(
                "transformers_chat",
                f"{self.model_name} has no chat template: use an instruct model (or rugpt3:NAME for base models)",
            )
        self._foreign: dict[str, list[int]] = {}

    def foreign_ids(self, lang: str) -> list[int]:
        """Ids of vocabulary pieces with letters of another script than ``lang``'s (computed once)."""
        if lang not in self._foreign:
            from engine.text.filters import foreign_piece

            special = set(self.tokenizer.all_special_ids)
            self._foreign[lang] = [
                i
                for i in range(len(self.tokenizer))
                if i not in special and foreign_piece(self.tokenizer.decode([i]), lang)
            ]
        return self._foreign[lang]

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        seed: int,
        temperature: float = 0.7,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        script: str | None = None,
    ) -> str:
        if schema is not None:
            messages = with_schema_request(messages, schema)
        tok, model = self.tokenizer, self.model
        with self._lock:
            ids = tok.apply_chat_template(
                [dict(m) for m in messages], add_generation_prompt=True, return_tensors="pt", return_dict=True
            )["input_ids"].to(self.device)
            return sample_continuation(
                tok,
                model,
                ids,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                stop=stop,
                top_p=0.9,
                top_k=40,
                repetition_penalty=1.1,
                suppress=self.foreign_ids(script) if script and schema is None else None,
            )
