"""The ruGPT-3 backend's real loading path, exercised with a tiny randomly initialised GPT-2.

ruGPT-3 checkpoints are GPT2LMHeadModel + a byte-level BPE tokenizer. The test builds both at toy
size, saves them with save_pretrained (a local folder, and the Hugging Face cache layout under our
models dir) and loads them through exactly the code the backend uses.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("transformers")
pytest.importorskip("torch")

from engine.errors import BackendUnavailable
from engine.text.backends import (
    get_backend,
    rugpt3,
)

TEXTS = [
    "Жил-был дракон, который боялся темноты.",
    "Каждый вечер дракон зажигал свечи в пещере.",
    "Once upon a time there was a fox who lived in a forest.",
] * 20


def _save_tiny_gpt2(folder):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(TEXTS, trainer)
    tokenizer = GPT2TokenizerFast(
        tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>", unk_token="<|endoftext|>"
    )
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    return _save_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


def test_local_folder_loads_and_generates(tiny_gpt2):
    rugpt3.load_causal_lm.cache_clear()
    backend = rugpt3.RuGPT3Backend(f"rugpt3:{tiny_gpt2}", device="cpu")
    assert type(backend.model).__name__ == "GPT2LMHeadModel"
    assert backend.name.endswith("(transformers)")
    out1 = backend.generate("Жил-был дракон", max_tokens=6, seed=5, stop=())
    out2 = backend.generate("Жил-был дракон", max_tokens=6, seed=5, stop=())
    assert isinstance(out1, str) and out1  # random weights: any text, but some text
    assert out1 == out2  # seeded sampling is reproducible
    # a prompt longer than the model's 64 positions is cut from the left, not an error
    assert isinstance(backend.generate("дракон " * 80, max_tokens=4, seed=1), str)


def test_hub_name_is_read_from_the_model_cache(tiny_gpt2, tmp_path, monkeypatch):
    """A hub name resolves through the Hugging Face cache layout under engine.paths.models_dir()."""
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "models"))
    repo = rugpt3.hf_cache_dir() / "models--ai-forever--rugpt3small_based_on_gpt2"
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(tiny_gpt2, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0123456789abcdef0123456789abcdef01234567")
    assert rugpt3.is_cached(rugpt3.DEFAULT_MODEL)
    rugpt3.load_causal_lm.cache_clear()
    backend = rugpt3.RuGPT3Backend("rugpt3", device="cpu")
    assert backend.name == "ai-forever/rugpt3small_based_on_gpt2 (transformers)"
    assert isinstance(backend.generate("Жил-был", max_tokens=3, seed=0), str)


def test_missing_weights_offline_is_backend_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITELLER_MODELS", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    rugpt3.load_causal_lm.cache_clear()
    assert not rugpt3.is_cached("ai-forever/rugpt3medium_based_on_gpt2")
    with pytest.raises(BackendUnavailable) as err:
        rugpt3.RuGPT3Backend("rugpt3medium", device="cpu")
    assert "not in the model cache" in err.value.reason and "downloads are off" in err.value.reason


def test_backend_selection_by_name(tiny_gpt2):
    rugpt3.load_causal_lm.cache_clear()
    backend = get_backend(f"rugpt3:{tiny_gpt2}")
    assert isinstance(backend, rugpt3.RuGPT3Backend)
    with pytest.raises(BackendUnavailable):
        get_backend("no-such-backend")


def test_aliases():
    assert rugpt3.resolve_model("rugpt3large") == "ai-forever/rugpt3large_based_on_gpt2"
    assert rugpt3.resolve_model("rugpt3:/models/mine") == "/models/mine"
    assert rugpt3.resolve_model(None) == rugpt3.DEFAULT_MODEL
