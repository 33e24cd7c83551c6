"""The Russian and English bot texts must match: same keys, same placeholders in each string.

A key missing in one language silently falls back to English (t() does that); a placeholder
missing or misspelt in one language raises KeyError only when that message is sent. Both are
caught here, before a user meets them.
"""

from __future__ import annotations

import string

import pytest

from bot.texts import en, ru


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_same_keys() -> None:
    assert sorted(set(ru.TEXTS) - set(en.TEXTS)) == []
    assert sorted(set(en.TEXTS) - set(ru.TEXTS)) == []


@pytest.mark.parametrize("key", sorted(set(ru.TEXTS) & set(en.TEXTS)))
def test_same_placeholders(key: str) -> None:
    assert placeholders(ru.TEXTS[key]) == placeholders(en.TEXTS[key]), key


def test_the_check_can_fail() -> None:
    assert placeholders("{a} and {b}") != placeholders("{a} and {c}")
    assert placeholders("{{literal}} {x}") == {"x"}
