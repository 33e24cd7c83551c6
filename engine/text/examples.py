"""One short example story per language, shown to the model before the story it writes.

A base model copies the shape of what it has just read. The example has the shape we want: a
title line, then one short paragraph per beat, every paragraph naming the hero in its first words,
simple past-tense narration for children, a clear problem and a happy ending. It is written for
this project.
"""

from __future__ import annotations

EXAMPLE = {
    "ru": (
        "Сказка «Ёжик и звёздочка»\n\n"
        "Жил-был ёжик, который любил смотреть на звёзды.\n\n"
        "Каждый вечер ёжик забирался на старый пень и считал огоньки в небе.\n\n"
        "Но однажды ёжик увидел, что маленькая звёздочка упала в траву за рекой.\n\n"
        "Тогда ёжик решил найти её и вернуть на небо. Он взял фонарик и пошёл к реке.\n\n"
        "По дороге ёжик встретил мудрую сову. Сова сказала, что звёздочки любят высокие места.\n\n"
        "Собрав всю смелость, ёжик перешёл реку по скользкому бревну и нашёл звёздочку в траве. "
        "Он отнёс её на высокий холм, и звёздочка снова взлетела в небо.\n\n"
        "С тех пор ёжик каждый вечер махал звёздочке лапкой, а она светила ему ярче всех.\n\n\n"
    ),
    "en": (
        'A fairy tale: "The Hedgehog and the Little Star"\n\n'
        "Once upon a time there was a hedgehog who loved to look at the stars.\n\n"
        "Every evening the hedgehog climbed onto an old stump and counted the lights in the sky.\n\n"
        "But one day the hedgehog saw that a little star had fallen into the grass across the river.\n\n"
        "So the hedgehog decided to find it and bring it back to the sky. He took a lantern and "
        "walked to the river.\n\n"
        "On the way, the hedgehog met a wise owl. The owl said that little stars love high places.\n\n"
        "Gathering all his courage, the hedgehog crossed the river on a slippery log and found the "
        "star in the grass. He carried it to the top of a hill, and the star flew back into the sky.\n\n"
        "From that day on, the hedgehog waved to the little star every evening, and it shone for him "
        "brighter than all the others.\n\n\n"
    ),
}
