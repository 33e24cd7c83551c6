"""One short example story per language, shown to the model before the story it writes.

A base model copies the shape of what it has just read. The example has the shape we want: a
title line, then one paragraph of two sentences per beat, the hero named at the start, simple
past-tense narration for children, a clear problem and a happy ending. Its paragraphs open with
other words than the writer's cues, so the model cannot continue a cue by copying the example;
the judge also rejects sentences that repeat the example or bring in its characters.
It is written for this project.
"""

from __future__ import annotations

EXAMPLE = {
    "ru": (
        "Сказка «Ёжик и звёздочка»\n\n"
        "Жил-был ёжик, который любил смотреть на звёзды. Его домик стоял под старой елью на краю леса.\n\n"
        "Вечерами ёжик забирался на пень и считал огоньки в небе. Он знал каждую звезду по имени.\n\n"
        "Как-то ночью ёжик заметил, как маленькая звёздочка сорвалась с неба и упала в траву за рекой. "
        "Ёжику стало её очень жалко.\n\n"
        "Ёжик взял фонарик и пошёл к реке. Вода была холодной и быстрой, а моста нигде не было.\n\n"
        "На берегу ёжика ждала мудрая сова. Она показала ему старое бревно, лежавшее поперёк реки.\n\n"
        "Ёжик осторожно перебрался по скользкому бревну и отыскал звёздочку в мокрой траве. "
        "Он отнёс её на высокий холм, и звёздочка снова взлетела в небо.\n\n"
        "Теперь ёжик каждый вечер машет звёздочке лапкой. А она светит ему ярче всех.\n\n\n"
    ),
    "en": (
        'A fairy tale: "The Hedgehog and the Little Star"\n\n'
        "Once upon a time there was a hedgehog who loved to look at the stars. His little house stood "
        "under an old fir tree at the edge of the forest.\n\n"
        "In the evenings the hedgehog climbed onto a stump and counted the lights in the sky. He knew "
        "every star by name.\n\n"
        "Late one night the hedgehog saw a little star slip from the sky and fall into the grass across "
        "the river. He felt very sorry for it.\n\n"
        "The hedgehog took his lantern and walked down to the river. The water was cold and fast, and "
        "there was no bridge anywhere.\n\n"
        "A wise owl was waiting for the hedgehog on the bank. She showed him an old log lying across "
        "the river.\n\n"
        "The hedgehog carefully crossed the slippery log and found the star in the wet grass. He "
        "carried it to the top of a hill, and the star flew back into the sky.\n\n"
        "Now the hedgehog waves to the little star every evening. And it shines for him brighter than "
        "all the others.\n\n\n"
    ),
}

#: The example's characters and props: a sentence that brings them into another story has drifted.
EXAMPLE_WORDS = {
    "ru": frozenset({"ёжик", "ежик", "звёздочка", "звездочка", "сова", "фонарик", "бревно", "пень"}),
    "en": frozenset({"hedgehog", "owl", "lantern", "log", "stump"}),
}
