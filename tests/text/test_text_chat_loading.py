"""The chat backends' real loading paths, with tiny randomly initialised Qwen2 models built here.

- transformers_chat: a Qwen2ForCausalLM config at toy size and a byte-level BPE tokenizer carrying
  a ChatML chat template, saved with save_pretrained and loaded through ``hf:PATH``.
- llama_cpp: the same architecture written as a GGUF (gguf's GGUFWriter: qwen2 metadata, a gpt2-style
  tokenizer with the chat template in ``tokenizer.chat_template``) and loaded through ``gguf:PATH``,
  so the chat template, sampling arguments and JSON-schema grammar run for real.
"""

from __future__ import annotations

import json
import re

import pytest

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TEXTS = ["Жил-был дракон, который боялся темноты.", "Once upon a time there was a fox.", '{"a": "x"}'] * 20
MESSAGES = [
    {"role": "system", "content": "You write stories."},
    {"role": "user", "content": "Write one sentence about a dragon."},
]


@pytest.fixture(scope="module")
def tiny_qwen2(tmp_path_factory):
    pytest.importorskip("torch")
    from engine.text.backends.rugpt3 import _make_torchvision_importable

    _make_torchvision_importable()  # the pinned CPU torch needs the shim before transformers' models import
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder = tmp_path_factory.mktemp("tiny-qwen2")
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(TEXTS, trainer)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=specials[1:],
    )
    tokenizer.chat_template = CHATML
    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    transformers.Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_transformers_chat_loads_a_local_instruct_model(tiny_qwen2):
    from engine.text.backends import get_backend, rugpt3
    from engine.text.backends.transformers_chat import TransformersChatBackend

    rugpt3.load_causal_lm.cache_clear()
    backend = TransformersChatBackend(f"hf:{tiny_qwen2}", device="cpu")
    assert type(backend.model).__name__ == "Qwen2ForCausalLM" and backend.instruct
    assert backend.name == f"{tiny_qwen2.name} (transformers)"
    one = backend.chat(MESSAGES, max_tokens=8, seed=3)
    two = backend.chat(MESSAGES, max_tokens=8, seed=3)
    assert isinstance(one, str) and one == two  # random weights: any text, but reproducible
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert isinstance(backend.chat(MESSAGES, max_tokens=4, seed=1, schema=schema), str)
    assert isinstance(get_backend(f"hf:{tiny_qwen2}"), TransformersChatBackend)


def test_a_model_without_chat_template_is_refused(tiny_qwen2, tmp_path):
    import shutil

    from engine.errors import BackendUnavailable
    from engine.text.backends import rugpt3
    from engine.text.backends.transformers_chat import TransformersChatBackend

    plain = tmp_path / "plain"
    shutil.copytree(tiny_qwen2, plain)
    config = json.loads((plain / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (plain / "tokenizer_config.json").write_text(json.dumps(config))
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    rugpt3.load_causal_lm.cache_clear()
    with pytest.raises(BackendUnavailable, match="no chat template"):
        TransformersChatBackend(f"hf:{plain}", device="cpu")


def test_schema_request_is_added_in_words_where_no_grammar_exists():
    from engine.text.backends.transformers_chat import with_schema_request

    out = with_schema_request(MESSAGES, {"type": "object"})
    assert out[-1]["content"].startswith(MESSAGES[-1]["content"]) and "JSON schema" in out[-1]["content"]
    assert MESSAGES[-1]["content"] == "Write one sentence about a dragon."  # the caller's list is untouched


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte → printable character table (what byte-level BPE vocabularies are written in)."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def write_tiny_gguf(path) -> None:
    """A random Qwen2 in GGUF: byte-level tokens, ChatML template, f32 tensors (HF layout, as the converter writes)."""
    import numpy as np

    gguf = pytest.importorskip("gguf")
    byte_tokens = [_bytes_to_unicode()[b] for b in range(256)]
    merged = ["he", "Ġt"]  # llama.cpp's BPE vocabulary needs merges; two are enough
    tokens = [*byte_tokens, *merged, "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.NORMAL] * (256 + len(merged)) + [gguf.TokenType.CONTROL] * 3
    hidden, ff, layers, heads, kv_heads = 32, 64, 2, 4, 2
    head_dim = hidden // heads
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_context_length(256)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["h e", "Ġ t"])
    w.add_bos_token_id(tokens.index("<|endoftext|>"))
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML)
    rng = np.random.default_rng(0)

    def t(name: str, *shape: int) -> None:
        w.add_tensor(name, (rng.standard_normal(shape) * 0.05).astype(np.float32))

    t("token_embd.weight", len(tokens), hidden)
    w.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    for i in range(layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, dtype=np.float32))
        t(f"blk.{i}.attn_q.weight", heads * head_dim, hidden)
        t(f"blk.{i}.attn_k.weight", kv_heads * head_dim, hidden)
        t(f"blk.{i}.attn_v.weight", kv_heads * head_dim, hidden)
        t(f"blk.{i}.attn_q.bias", heads * head_dim)
        t(f"blk.{i}.attn_k.bias", kv_heads * head_dim)
        t(f"blk.{i}.attn_v.bias", kv_heads * head_dim)
        t(f"blk.{i}.attn_output.weight", hidden, heads * head_dim)
        t(f"blk.{i}.ffn_gate.weight", ff, hidden)
        t(f"blk.{i}.ffn_up.weight", ff, hidden)
        t(f"blk.{i}.ffn_down.weight", hidden, ff)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    pytest.importorskip("llama_cpp")
    path = tmp_path_factory.mktemp("tiny-gguf") / "tiny-qwen2.gguf"
    write_tiny_gguf(path)
    yield path
    from engine.text.backends import _cache, llama_cpp

    for key in [k for k in _cache if k.startswith("gguf:")]:
        _cache.pop(key)
    for llm in [llama_cpp._load(str(path), n, 256) for n in {llama_cpp.max_threads()}]:
        llm.close()  # closed here, not by a destructor at interpreter exit (which llama-cpp-python trips over)
    llama_cpp._load.cache_clear()


def test_llama_cpp_chat_runs_a_local_gguf_with_its_chat_template(tiny_gguf):
    from engine.text.backends.llama_cpp import LlamaChatBackend

    backend = LlamaChatBackend(f"gguf:{tiny_gguf}", n_ctx=256)
    assert backend.name == "tiny-qwen2 (llama.cpp)" and backend.instruct
    one = backend.chat(MESSAGES, max_tokens=8, seed=3)
    assert isinstance(one, str) and one == backend.chat(MESSAGES, max_tokens=8, seed=3)
    assert backend.stats["calls"] == 2 and backend.stats["completion_tokens"] > 0


def test_llama_cpp_json_schema_is_enforced_by_a_grammar(tiny_gguf):
    from engine.text.backends.llama_cpp import LlamaChatBackend

    backend = LlamaChatBackend(f"gguf:{tiny_gguf}", n_ctx=256)
    schema = {"type": "object", "properties": {"a": {"type": "string", "enum": ["x"]}}, "required": ["a"]}
    answer = backend.chat(MESSAGES, max_tokens=120, seed=1, schema=schema)
    assert json.loads(answer) == {"a": "x"}  # a random model can only say what the grammar allows


def test_a_missing_gguf_is_backend_unavailable(tmp_path):
    from engine.errors import BackendUnavailable
    from engine.text.backends import get_backend

    with pytest.raises(BackendUnavailable, match="no GGUF file"):
        get_backend(f"gguf:{tmp_path / 'nothing.gguf'}")


def _sampler_names(sampler) -> list[str]:
    import llama_cpp as lc

    chain = sampler.sampler
    return [
        lc.llama_sampler_name(lc.llama_sampler_chain_get(chain, i)).decode()
        for i in range(lc.llama_sampler_chain_n(chain))
    ]


def test_plain_answers_sample_with_dry_over_the_prompt_and_json_keeps_the_grammar_chain(tiny_gguf):
    """Story text is sampled with DRY fed the whole prompt (the story so far), so copying an earlier
    scene costs more with every copied token; a JSON plan keeps llama-cpp-python's grammar chain."""
    from llama_cpp import LlamaGrammar

    from engine.text.backends.llama_cpp import LlamaChatBackend

    backend = LlamaChatBackend(f"gguf:{tiny_gguf}", n_ctx=256)
    llm = backend.llm
    llm._story_context = [5, 6, 7, 8]
    plain = _sampler_names(llm._init_sampler(top_k=40, top_p=0.9, min_p=0.05, temp=0.7, repeat_penalty=1.1))
    assert plain[:2] == ["dry", "penalties"] and plain[-1] == "dist"
    grammar = LlamaGrammar.from_string('root ::= "a"', verbose=False)
    with_grammar = _sampler_names(llm._init_sampler(temp=0.7, grammar=grammar))
    assert "dry" not in with_grammar and "grammar" in with_grammar
    assert backend.chat(MESSAGES, max_tokens=8, seed=3) == backend.chat(MESSAGES, max_tokens=8, seed=3)


def test_llama_cpp_never_samples_a_token_of_another_script(tiny_gguf):
    """A Russian answer cannot contain a Latin-letter token: the random model, free to say anything,
    says no ASCII letter once its vocabulary's Latin pieces are biased to −inf (byte pieces that only
    spell a letter together are left to the writer's filters)."""
    from engine.text.backends.llama_cpp import LlamaChatBackend

    backend = LlamaChatBackend(f"gguf:{tiny_gguf}", n_ctx=256)
    free = "".join(backend.chat(MESSAGES, max_tokens=40, seed=s) for s in range(3))
    assert re.search("[A-Za-z]", free)  # without the bias it does write Latin letters
    russian = "".join(backend.chat(MESSAGES, max_tokens=40, seed=s, script="ru") for s in range(3))
    assert russian and not re.search("[A-Za-z]", russian)
    assert "logit-bias" in _sampler_names(backend.llm._init_sampler(temp=0.7))


def test_transformers_chat_suppresses_tokens_of_another_script(tiny_qwen2):
    from engine.text.backends.transformers_chat import TransformersChatBackend

    backend = TransformersChatBackend(f"hf:{tiny_qwen2}", device="cpu")
    ids = backend.foreign_ids("ru")
    assert ids and all(re.search("[A-Za-z]", backend.tokenizer.decode([i])) for i in ids)
    answer = "".join(backend.chat(MESSAGES, max_tokens=12, seed=s, script="ru") for s in range(3))
    assert not re.search("[A-Za-z]", answer)
