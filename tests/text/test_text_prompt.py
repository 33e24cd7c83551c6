import pytest

from engine.errors import PromptError
from engine.text import validate_prompt
from engine.text.prompt import MAX_PROMPT_CHARS


@pytest.mark.parametrize(
    "bad", ["", "   ", "\n\t  \u00a0", "\u200b\u200b", "🐉🔥✨", "👍 👍 👍", "!!! ??? ...", "12345"]
)
def test_empty_symbol_and_emoji_only_prompts_are_refused_with_a_hint(bad):
    with pytest.raises(PromptError) as err:
        validate_prompt(bad)
    assert err.value.hint  # the bot shows the user what to send instead


def test_other_scripts_are_refused_clearly():
    with pytest.raises(PromptError, match="Russian or English"):
        validate_prompt("你好，世界")


def test_html_and_markdown_are_stripped_to_their_words():
    raw = (
        "<p>Жил-был <b>дракон</b></p><script>alert(1)</script> и **рыцарь** в "
        "[замке](http://x.example/a?b=c) ![img](a.png)"
    )
    assert validate_prompt(raw) == "Жил-был дракон и рыцарь в замке img"


def test_markdown_headers_lists_and_entities():
    raw = "# Сказка\n- про кота &amp; собаку\n> и `мышку`"
    assert validate_prompt(raw) == "Сказка про кота & собаку и мышку"


def test_quotes_backslashes_and_control_characters():
    raw = 'He said "hi"\\n and \x00left\x1b[31m \u202eback \\ again'
    out = validate_prompt(raw)
    assert "\\" not in out and "\x00" not in out and "\x1b" not in out and "\u202e" not in out
    assert '"hi"' in out and "left" in out


def test_emoji_inside_text_are_dropped_and_whitespace_collapsed():
    assert (
        validate_prompt("  🐉  дракон,\n\n   который   боялся 🌑 темноты  ")
        == "дракон, который боялся темноты"
    )


def test_ten_thousand_characters_are_cut_at_a_sentence_boundary():
    sentence = "Маленький дракон жил в пещере у моря. "
    out = validate_prompt(sentence * 270)  # ~10,000 characters
    assert len(out) <= MAX_PROMPT_CHARS
    assert out.endswith("моря.")
    assert len(out) > MAX_PROMPT_CHARS - len(sentence)


def test_one_endless_word_run_is_cut_at_a_word_boundary():
    out = validate_prompt("дракон " * 2000)
    assert len(out) <= MAX_PROMPT_CHARS + 1 and out.endswith("дракон.")


def test_non_string_input_is_a_prompt_error():
    with pytest.raises(PromptError):
        validate_prompt(None)  # type: ignore[arg-type]


def test_validation_is_fast_and_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, time; t=time.perf_counter(); import engine.text as t_; t_.validate_prompt('x y'); "
        "print(time.perf_counter()-t); "
        "print(any(m in sys.modules for m in ('torch','transformers','llama_cpp','pymorphy3','razdel')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[1] == "False"
    assert float(out[0]) < 1.0
