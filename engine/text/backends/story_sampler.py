"""llama.cpp sampling that sees the whole story: the DRY sampler fed with the conversation so far.

Why: llama-cpp-python's sampler chain only ever sees the tokens of the answer being generated
(``llama_sampler_sample`` accepts each sampled token; the prompt is never accepted), so neither
its repeat penalty nor anything else knows the earlier scenes. A 1.5B model writing scene 9 of 12
copied whole sentences of scenes 2–5 ("Мя идет в лес." six times); the writer's filters rejected
them, and long stories came out a quarter short after many wasted generations.

DRY ("don't repeat yourself", llama.cpp's ``llama_sampler_init_dry``) penalises the token that
would extend a sequence already present in its history, more steeply the longer the copy grows.
Here its history is the whole prompt (the story so far) plus the answer, so starting to copy an
earlier sentence gets expensive after a few tokens, while names and short phrases stay free.

The same chain also keeps the story in its script: with ``script`` set, every vocabulary piece
with letters of another script gets a −inf logit bias (see :meth:`StoryLlama.foreign_tokens`).

llama-cpp-python 0.3.36 (pinned) builds its chain in ``Llama._init_sampler`` and exposes no DRY
option, so :class:`StoryLlama` rebuilds that chain — DRY (fed the prompt), the repeat penalties,
the script bias, then the library's own top-k, typical, top-p, min-p, temperature and seeded draw —
for plain-text answers. Calls with a grammar (the JSON plan), custom logits processors or mirostat
keep the library's chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llama_cpp import Llama


@dataclass(frozen=True)
class Dry:
    """DRY settings (llama.cpp's names); penalty = multiplier × base ** (match − allowed_length)."""

    multiplier: float = 0.8
    base: float = 1.75
    #: Russian words are 2–3 tokens in Qwen's vocabulary: a repeated word or name is fine,
    #: a repeated phrase is not.
    allowed_length: int = 3
    #: How far back it looks, in tokens. Explicit: with -1 ("the context size") this build of
    #: llama.cpp ignored the prompt (a sentence of the prompt was copied whole; with 4096 it was not).
    last_n: int = 4096
    #: A match never runs across these (speech and line breaks start afresh).
    breakers: tuple[str, ...] = ("\n", ":", '"', "*", "«", "»")


class StoryLlama(Llama):
    """A ``Llama`` whose plain-text sampling carries DRY over the prompt (see the module doc)."""

    dry: Dry | None = Dry()
    #: the answer's language for the next call ("ru", "en"): tokens of other scripts are never sampled
    script: str | None = None

    def foreign_tokens(self, lang: str) -> Any:
        """llama.cpp logit-bias entries (−inf) for every vocabulary piece with letters of another
        script than ``lang``'s (Qwen slipped "looks like a", "zvезду", "回家" into Russian stories;
        DRY, which pushes away from a copied phrase, made Latin look-alikes likelier). Built once
        per language as the C array itself: llama-cpp-python's ``add_logit_bias`` rebuilds it from
        a dict on every call (~80 ms for Russian's 137k entries, each scene request)."""
        cache: dict[str, Any] = self.__dict__.setdefault("_foreign", {})
        if lang not in cache:
            import llama_cpp

            from engine.text.filters import foreign_piece

            model = self._model
            ids = [
                i
                for i in range(self._n_vocab)
                if foreign_piece(model.token_to_piece(i).rstrip(b"\0").decode("utf-8", "ignore"), lang)
            ]
            entries = (llama_cpp.llama_logit_bias * len(ids))()
            for entry, i in zip(entries, ids, strict=True):
                entry.token, entry.bias = i, float("-inf")
            cache[lang] = entries
        return cache[lang]

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
        # generate() builds the sampler when its generator first runs; remember what it will see
        self._story_context = list(tokens)
        return super().generate(tokens, *args, **kwargs)

    def _init_sampler(self, **kw: Any) -> Any:  # type: ignore[override]  # the library calls it by keyword
        dry = self.dry
        context: list[int] = getattr(self, "_story_context", [])
        if (
            (dry is None and not self.script)
            or kw.get("grammar") is not None
            or kw.get("logits_processor") is not None
            or kw.get("mirostat_mode", 0)
            or kw.get("temp", 0.8) <= 0.0
        ):
            return super()._init_sampler(**kw)
        from llama_cpp import _internals

        sampler = _internals.LlamaSampler()
        # DRY first, fed the story so far; the repeat penalty joins after, so it stays on the
        # answer (fed the prompt it would also punish every common word of the instructions)
        if dry is not None:
            sampler.add_dry(
                self._model, dry.multiplier, dry.base, dry.allowed_length, dry.last_n, list(dry.breakers)
            )
            for token in context:
                sampler.accept(token)
        sampler.add_penalties(
            n_vocab=self._n_vocab,
            penalty_last_n=self.last_n_tokens_size,
            penalty_repeat=kw.get("repeat_penalty", 1.0),
            penalty_freq=kw.get("frequency_penalty", 0.0),
            penalty_present=kw.get("presence_penalty", 0.0),
        )
        if self.script:
            import llama_cpp

            entries = self.foreign_tokens(self.script)  # llama.cpp copies them into the sampler
            bias = llama_cpp.llama_sampler_init_logit_bias(self._n_vocab, len(entries), entries)
            llama_cpp.llama_sampler_chain_add(sampler.sampler, bias)
        min_keep = 1
        sampler.add_top_k(kw.get("top_k", 40))
        sampler.add_typical(kw.get("typical_p", 1.0), min_keep)
        sampler.add_top_p(kw.get("top_p", 0.95), min_keep)
        sampler.add_min_p(kw.get("min_p", 0.05), min_keep)
        sampler.add_temp(kw["temp"])
        sampler.add_dist(self._seed)
        return sampler
