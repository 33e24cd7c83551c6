"""Story-quality benchmark: ten fixed prompts (5 Russian, 5 English, several genres), fixed seeds.

    python bench/bench_text_quality.py --backend qwen            # the embedded default
    python bench/bench_text_quality.py --backend gemma           # the lighter one
    python bench/bench_text_quality.py --backend qwen --only 1,6 # a subset (1-based)

Writes every story to one readable Markdown file (default docs/story_quality.md) and prints, per
story: words, invented words (unknown to the dictionary: pymorphy3 for Russian, lemminflect for
English; names excepted), other-script tokens, repeated sentences, how many of the prompt's own
nouns come back after the opening, characters against the target, and the time. Results are kept
per backend in a JSON beside the Markdown, so running the other backend later adds its column
and the file compares both. Timings on a shared machine are noisy: say so when you quote them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPTS: list[tuple[str, str, int]] = [  # (prompt, genre, seed)
    ("Жил-был маленький дракон, который боялся темноты.", "fairy_tale", 1),
    ("Жил-был медведь, который каждую зиму не мог уснуть.", "bedtime", 2),
    ("Лиса и ворона поспорили, кто из них умнее.", "fable", 3),
    ("Мальчик Петя нашёл на чердаке старую карту острова.", "adventure", 4),
    ("В старом доме на краю деревни по ночам скрипела лестница.", "horror", 5),
    ("A shy dragon opens a bakery in a small mountain village.", "comedy", 6),
    ("A little robot wants to see the stars from the roof of the city.", "scifi", 7),
    ("The tortoise and the hare meet again for a new race.", "fable", 8),
    ("A girl and her dog follow a glowing path into the forest at night.", "adventure", 9),
    ("A sleepy kitten cannot find its favourite blanket.", "bedtime", 10),
]


@dataclass
class Result:
    n: int
    prompt: str
    genre: str
    seed: int
    backend: str
    lang: str = ""
    title: str = ""
    scenes: list[str] | None = None
    cast: list[str] | None = None
    words: int = 0
    chars: int = 0
    target: int = 0
    invented: list[str] | None = None
    other_script: list[str] | None = None
    repeated: int = 0
    nouns_back: int = 0
    nouns_total: int = 0
    seconds: float = 0.0
    tokens: int = 0
    error: str = ""


def prompt_nouns(prompt: str, lang: str) -> list[str]:
    from engine.text.morph import tokens

    seen: list[str] = []
    for t in tokens(prompt, lang):
        if t.pos in ("NOUN", "PROPN") and t.lemma.lower() not in seen:
            seen.append(t.lemma.lower())
    return seen


def measure(result: Result, story, opening: str) -> None:
    """Fill the figures from a written story."""
    from engine.text.cleanup import split_sentences, word_set_similarity, words
    from engine.text.filters import invented_words, other_script_tokens
    from engine.text.morph import tokens

    text = story.text
    names = [c.name for c in story.cast]
    result.lang = story.lang
    result.title = story.title
    result.scenes = [s.text for s in story.scenes]
    result.cast = [f"{c.name} ({c.kind_en}: {c.look_en})" if c.look_en else c.name for c in story.cast]
    result.words = len(words(text))
    result.chars = len(text)
    result.invented = invented_words(text, story.lang, names)
    result.other_script = other_script_tokens(text, story.lang)
    sentences = split_sentences(text)
    result.repeated = sum(
        1 for i, s in enumerate(sentences) if any(word_set_similarity(s, p) >= 0.7 for p in sentences[:i])
    )
    rest = text[len(opening) :] if text.startswith(opening) else text
    lemmas = {t.lemma.lower() for t in tokens(rest, story.lang)}
    nouns = prompt_nouns(result.prompt, story.lang)
    result.nouns_total = len(nouns)
    result.nouns_back = sum(1 for n in nouns if n in lemmas)


def run_one(n: int, prompt: str, genre: str, seed: int, backend_spec: str, duration: float) -> Result:
    from engine.errors import EngineError
    from engine.progress import null_reporter
    from engine.story import StoryRequest
    from engine.text.backends import get_backend
    from engine.text.writer import StoryWriter, target_chars

    backend = get_backend(backend_spec)
    result = Result(n, prompt, genre, seed, backend.name)
    request = StoryRequest(prompt, genre=genre, seed=seed, duration=duration, text_backend=backend_spec)
    stats = getattr(backend, "stats", None)
    before = dict(stats) if stats else {}
    started = time.monotonic()
    try:
        story = StoryWriter(backend_spec, backend).write(request, null_reporter("text"))
    except EngineError as exc:
        result.error = str(exc)
        result.seconds = time.monotonic() - started
        return result
    result.seconds = time.monotonic() - started
    if stats:
        result.tokens = int(stats["completion_tokens"] - before.get("completion_tokens", 0))
    result.target = target_chars(duration, story.lang)
    measure(result, story, prompt)
    return result


def row(r: Result) -> str:
    if r.error:
        return f"| {r.n} | {r.backend} | error: {r.error} |||||||"
    speed = f"{r.tokens / r.seconds:.1f}" if r.tokens and r.seconds else "–"
    return (
        f"| {r.n} | {r.backend.split(' ')[0]} | {r.words} | {r.chars}/{r.target} | {len(r.invented or [])} | "
        f"{len(r.other_script or [])} | {r.repeated} | {r.nouns_back}/{r.nouns_total} | {r.seconds:.0f} | {speed} |"
    )


TABLE_HEAD = (
    "| # | backend | words | chars/target | invented | other script | repeated | prompt nouns back | s | tok/s |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def markdown(results: dict[str, list[Result]], duration: float) -> str:
    out = [
        "# Story quality: ten fixed prompts",
        "",
        f"Written by `python bench/bench_text_quality.py` (duration {duration:.0f} s, fixed seeds). "
        "invented = words the dictionary does not know (names excepted); other script = Latin in Russian, "
        "Cyrillic in English, CJK anywhere; repeated = sentences that repeat an earlier one; prompt nouns "
        "back = the prompt's nouns that appear again after the opening. Seconds are from a shared 2-core "
        "machine unless stated otherwise.",
        "",
        TABLE_HEAD,
    ]
    for backend in sorted(results):
        out.extend(row(r) for r in results[backend])
    for i, (prompt, genre, seed) in enumerate(PROMPTS, 1):
        out += ["", f"## {i}. {prompt}", "", f"genre `{genre}`, seed {seed}"]
        for backend in sorted(results):
            r = next((x for x in results[backend] if x.n == i), None)
            if r is None:
                continue
            out += ["", f"### {r.backend}", ""]
            if r.error:
                out.append(f"_error: {r.error}_")
                continue
            out.append(f"**{r.title}**  ")
            if r.cast:
                out.append("cast: " + "; ".join(r.cast) + "  ")
            flags = []
            if r.invented:
                flags.append("invented: " + ", ".join(r.invented))
            if r.other_script:
                flags.append("other script: " + ", ".join(r.other_script))
            if flags:
                out.append("_" + "; ".join(flags) + "_  ")
            out.append("")
            out.extend(f"{k + 1}. {s}" for k, s in enumerate(r.scenes or []))
    return "\n".join(out) + "\n"


def load(store: Path) -> dict[str, list[Result]]:
    if not store.is_file():
        return {}
    return {
        k: [Result(**r) for r in rows] for k, rows in json.loads(store.read_text(encoding="utf-8")).items()
    }


def save(store: Path, out: Path, results: dict[str, list[Result]], duration: float) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(
        json.dumps({k: [asdict(r) for r in v] for k, v in results.items()}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    out.write_text(markdown(results, duration), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="qwen", help="qwen (default), gemma, gguf:PATH, hf:ID, rugpt3")
    ap.add_argument("--duration", type=float, default=75.0)
    ap.add_argument("--only", default="", help="comma-separated story numbers (1-based)")
    ap.add_argument("--out", type=Path, default=Path("docs/story_quality.md"))
    ap.add_argument(
        "--merge", type=Path, action="append", default=[], help="add results from another run's JSON"
    )
    args = ap.parse_args()
    store = args.out.with_suffix(".json")
    results = load(store)
    for other in args.merge:
        results.update(load(other))
    if args.merge:  # only combine and re-render
        save(store, args.out, results, args.duration)
        return 0
    only = {int(x) for x in args.only.split(",") if x.strip()}
    done: list[Result] = [r for r in results.get(args.backend, []) if only and r.n not in only]
    print(TABLE_HEAD)
    for i, (prompt, genre, seed) in enumerate(PROMPTS, 1):
        if only and i not in only:
            continue
        r = run_one(i, prompt, genre, seed, args.backend, args.duration)
        done.append(r)
        print(row(r), flush=True)
    results = load(store)  # another backend's run may have finished meanwhile
    results[args.backend] = sorted(done, key=lambda r: r.n)
    save(store, args.out, results, args.duration)
    total = sum(r.seconds for r in results[args.backend])
    print(f"{len(results[args.backend])} stories in {total:.0f} s → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
