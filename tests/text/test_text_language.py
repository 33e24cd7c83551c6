import pytest

from engine.text import detect_language
from engine.text.language import is_native


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Жил-был дракон, который боялся темноты", "ru"),
        ("A dragon who was afraid of the dark", "en"),
        ("Дракон по имени Spark боялся темноты", "ru"),  # a Latin name inside Russian text
        ("The cat Мурка lived in a very big old house", "en"),
        ("Ein Drache, der Angst vor der Dunkelheit hatte", "en"),  # other Latin-script → nearest: English
        ("Дракон, який боявся темряви", "ru"),  # Ukrainian → nearest: Russian
        ("", "en"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_other_languages_are_recognised_as_not_native():
    assert not is_native("Ein Drache, der Angst vor der Dunkelheit hatte und nicht schlafen konnte", "en")
    assert not is_native("Un dragón que tenía miedo de la oscuridad y de la noche", "en")
    assert not is_native("Дракон, який боявся темряви", "ru")
    assert is_native("A dragon who was afraid of the dark", "en")
    assert is_native("Дракон, который боялся темноты", "ru")
