"""Splitting a story into scenes, each with an image prompt (POS filter) and a mood (lexicon)."""

from __future__ import annotations

from engine.story import Scene
from engine.text.keywords import extract_keywords, image_prompt
from engine.text.moods import scene_mood
from engine.text.morph import tokens


def group_sentences(sentences: list[str], n_scenes: int) -> list[list[str]]:
    """Consecutive groups of sentences, as even in length (characters) as the sentences allow.

    Each boundary goes where the running length is closest to an equal share, so a long sentence
    does not push all the short ones into the last scene. Never an empty group.
    """
    sentences = [s for s in sentences if s.strip()]
    if not sentences:
        return []
    n = max(1, min(n_scenes, len(sentences)))
    total = sum(len(s) for s in sentences)
    groups: list[list[str]] = [[]]
    done = 0
    for i, s in enumerate(sentences):
        left_sentences = len(sentences) - i
        left_groups = n - len(groups)
        share_end = total * len(groups) / n
        if (
            groups[-1]
            and left_groups > 0
            and (left_sentences <= left_groups or abs(done - share_end) <= abs(done + len(s) - share_end))
        ):
            groups.append([])
        groups[-1].append(s)
        done += len(s)
    return groups


def rebalance_groups(
    groups: list[list[str]], moods: list[str], n_scenes: int
) -> tuple[list[list[str]], list[str]]:
    """Reach ``n_scenes`` groups while keeping beat boundaries: split the longest, merge the shortest.

    Used when a plot beat was skipped (or more scenes were asked for than beats): re-splitting the
    whole story evenly would move every later scene boundary off its beat.
    """
    groups = [list(g) for g in groups if g]
    moods = list(moods[: len(groups)]) + ["calm"] * (len(groups) - len(moods))
    while len(groups) < n_scenes:
        splittable = [i for i, g in enumerate(groups) if len(g) >= 2]
        if not splittable:
            break
        i = max(splittable, key=lambda k: sum(len(s) for s in groups[k]))
        half = group_sentences(groups[i], 2)
        groups[i : i + 1] = half
        moods[i : i + 1] = [moods[i], moods[i]]
    while len(groups) > max(1, n_scenes):
        sizes = [
            sum(len(s) for s in groups[k]) + sum(len(s) for s in groups[k + 1])
            for k in range(len(groups) - 1)
        ]
        k = sizes.index(min(sizes))
        groups[k : k + 2] = [groups[k] + groups[k + 1]]
        moods[k : k + 2] = [moods[k]]
    return groups, moods


def scene_from_text(
    index: int, text: str, lang: str, hero_lemmas: frozenset[str] = frozenset(), default_mood: str = "calm"
) -> Scene:
    keywords = extract_keywords(text, lang, hero_lemmas)
    lemmas = [t.lemma for t in tokens(text, lang)]
    return Scene(
        index=index,
        text=text,
        image_prompt=image_prompt(keywords),
        keywords=[k.lemma for k in keywords],
        keywords_en=[k.lemma for k in keywords] if lang == "en" else [],  # English lemmas already
        mood=scene_mood(lemmas, lang, default_mood),
    )


def scenes_from_groups(
    groups: list[list[str]],
    lang: str,
    hero_lemmas: frozenset[str] = frozenset(),
    default_moods: list[str] | None = None,
) -> list[Scene]:
    scenes = []
    for i, group in enumerate(groups):
        mood = default_moods[i] if default_moods and i < len(default_moods) else "calm"
        scenes.append(scene_from_text(i, " ".join(group), lang, hero_lemmas, mood))
    return scenes


def make_scenes(sentences: list[str], lang: str, n_scenes: int) -> list[Scene]:
    """Scenes of a few sentences each, with image prompts and moods; the hero ranks first in prompts.

    Without a story plan the hero is guessed as the noun the text names most often.
    """
    groups = group_sentences(sentences, n_scenes)
    hero = _most_frequent_noun(" ".join(sentences), lang)
    return scenes_from_groups(groups, lang, frozenset({hero}) if hero else frozenset())


def _most_frequent_noun(text: str, lang: str) -> str | None:
    counts: dict[str, int] = {}
    for t in tokens(text, lang):
        if t.pos in ("NOUN", "PROPN") and t.known:
            counts[t.lemma.lower()] = counts.get(t.lemma.lower(), 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda k: counts[k])
