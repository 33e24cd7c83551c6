"""The content rules, as data: what a story for everyone (children included) never contains.

Each rule is a category and regular expressions over lower-cased text with ``ё`` folded to ``е``.
Russian entries are word *stems* anchored at a word start (``\\bрасчлен`` catches «расчленил»,
«расчленённый»), because Russian inflects; English ones stems or whole words. To extend: add a
pattern to the category's list (and, if it is a new category, a message in REFUSALS); the tests
in tests/text/test_text_moderation.py show which prompts must pass and which must not.

Deliberately *not* listed: fear, darkness, monsters, ghosts, fights, a drop of blood, death in a
fable — scary stories and fairy tales are allowed; only explicit sex, anything sexual around
children, and gore are refused.
"""

from __future__ import annotations

#: Explicit sexual content.
SEXUAL: tuple[str, ...] = (
    r"\bсекс",
    r"\bпорн",
    r"\bэроти",
    r"\bинтим",
    r"\bоргазм",
    r"\bизнасил",
    r"\bсовокуп",
    r"\bтрах(?:а|н|ну|ал|ать|ает|нул)",
    r"\bебат",
    r"\bебал",
    r"\bвыеб",
    r"\bминет",
    r"\bгенитал",
    r"\bпенис",
    r"\bвагин",
    r"\bмастурб",
    r"\bстриптиз",
    r"\bпроститу",
    r"\bшлюх",
    r"\bбордел",
    r"\bраздел\w* догола",
    r"\bобнаж[её]нн\w* (?:тел|груд)",
    r"\bхентай",
    r"\bнюдс",
    r"\bsex(?:y|ual|ually)?\b",
    r"\bporn",
    r"\berotic",
    r"\bnsfw\b",
    r"\bxxx\b",
    r"\borgasm",
    r"\brap(?:e|ed|es|ing|ist)\b",
    r"\bgenital",
    r"\bpenis",
    r"\bvagina",
    r"\bfuck",
    r"\bblowjob",
    r"\bhentai",
    r"\bmasturbat",
    r"\bstriptease",
    r"\bstripper",
    r"\blewd\b",
    r"\bintercourse\b",
    r"\bprostitut",
    r"\bwhore",
    r"\bbrothel",
    r"\bnudes\b",
    r"\bnaked bod(?:y|ies)\b",
    r"\bmake love\b",
    r"\bmaking love\b",
)

#: Nudity: allowed on its own (the naked king of the fairy tale), refused together with a child.
NUDITY: tuple[str, ...] = (
    r"\bгол(?:ая|ый|ые|ой|ую|ого|ыми|ым|ых|еньк)\b",
    r"\bнаг(?:ая|ой|ие|ую|ого|им|их|ишом)\b",
    r"\bобнаж",
    r"\bбез (?:одежды|трусов|белья)",
    r"\bраздева",
    r"\bраздел(?:ась|ся|ись|а|и)\b",
    r"\bnaked\b",
    r"\bnude\b",
    r"\bnudity\b",
    r"\bundress",
    r"\bwithout (?:any )?clothes\b",
    r"\bin (?:her|his|their) underwear\b",
)

#: Words that make sexual content about children (refused with its own message, never softened).
MINORS: tuple[str, ...] = (
    r"\bреб[её]н",
    r"\bдет(?:и|ей|ям|ьми|ях|ск)",
    r"\bдевоч",
    r"\bмальч",
    r"\bшкольн",
    r"\bподрост",
    r"\bмалолет",
    r"\bнесовершеннолет",
    r"\bмладен",
    r"\bchild",
    r"\bkids?\b",
    r"\bgirls?\b",
    r"\bboys?\b",
    r"\bteen",
    r"\bminors?\b",
    r"\bunderage",
    r"\bschool ?(?:girl|boy)",
    r"\bbab(?:y|ies)\b",
    r"\btoddler",
)

#: Always refused, whatever else the prompt says.
CHILD_ABUSE: tuple[str, ...] = (
    r"\bпедофил",
    r"\bлоли\b",
    r"\bлоликон",
    r"\bсёта\b",
    r"\bpedo",
    r"\bpaedo",
    r"\bloli(?:con)?\b",
    r"\bshota(?:con)?\b",
    r"\bcsam\b",
    r"\bchild porn",
)

#: Gore: graphic violence, mutilation, torture.
GORE: tuple[str, ...] = (
    r"\bрезн[яиеюй]",
    r"\bкровав\w* (?:месив|бойн|расправ|резн|кишк)",
    r"\bрасчлен",
    r"\bкишк",
    r"\bкишеч",
    r"\bвыпотрош",
    r"\bпотрох",
    r"\bотруб\w* (?:голов|рук|ног|пальц)",
    r"\bотрез\w* (?:голов|рук|ног|пальц)",
    r"\bоторв\w* (?:голов|рук|ног)",
    r"\bпытк",
    r"\bпытать\b",
    r"\bсодра\w* кож",
    r"\bсдира\w* кож",
    r"\bвыколо?\w* глаз",
    r"\bмозги (?:разлет|брызн)",
    r"\bкровь (?:хлещ|хлын|брызн|фонтан)",
    r"\bбойн[яиюе]\b",
    r"\bрастерза",
    r"\bканнибал",
    r"\bлюдоедств",
    r"\bgor(?:e|y)\b",
    r"\bgory\b",
    r"\bdismember",
    r"\bdisembowel",
    r"\bdecapitat",
    r"\bbeheade?",
    r"\bmutilat",
    r"\bmassacre",
    r"\bslaughter",
    r"\bbloodbath",
    r"\bbloody (?:mess|massacre|carnage)",
    r"\bcarnage",
    r"\bentrails",
    r"\bintestines",
    r"\btortur",
    r"\bflay(?:ed|ing)?\b",
    r"\bcannibal",
    r"\bgouged? out",
    r"\bblood (?:spurt|gush|splatter)",
    r"\b(?:rips?|ripped|ripping|tears?|tore|torn) (?:out|open) (?:[\w']+ ){0,2}(?:guts|innards|eyes|hearts?)\b",
    r"\b(?:rips?|ripped|ripping|spill\w*) (?:[\w']+ ){0,2}(?:guts|innards)\b",
    r"\bguts (?:spill|everywhere|hanging)",
    r"\bвырва\w* (?:глаз|сердц|кишк)",
    r"\bвспор\w* (?:живот|брюх)",
)

#: Harm done on purpose, checked in *generated* sentences only (a prompt may have a knight fight a
#: dragon; the writer's own sentences should not have one character stone, beat or kill another:
#: "Tommy throws the rock at Jerry. Jerry is hit by the rock" came from an innocent fable prompt).
#: A rejected sentence is resampled or dropped like any other bad sentence.
HARM: tuple[str, ...] = (
    r"\b(?:throw|throws|threw|thrown|throwing|hurl\w*) (?:[\w']+ ){0,2}(?:rocks?|stones?|knife|knives|spears?) at\b",
    r"\b(?:is|was|got|gets) hit by (?:a |the )?(?:rock|stone|arrow|spear)",
    r"\b(?:kill|kills|killed|killing|murder\w*|stab\w*|strangl\w*)\b",
    r"\b(?:punch\w*|beat\w* up|beats (?:him|her|them)|kick\w* (?:him|her|them|the (?:dog|cat|kitten|puppy)))\b",
    r"\bshoot\w* (?:at )?(?:him|her|them|the (?:hare|fox|dog|cat|bird|dragon))\b",
    r"\b(?:бросил|бросила|бросает|кинул|кинула|швырнул\w*) (?:[а-я]+ ){0,2}(?:камень|камнем|камни|нож) (?:в|во)\b",
    r"\b(?:убил|убила|убили|убить|убивает|убьет|убью|зарезал\w*|застрелил\w*|задушил\w*)\b",
    r"\b(?:избил\w*|избивает|ударил\w* (?:его|ее|их|кулаком|камнем|палкой)|бьет (?:его|ее|их))\b",
)

#: Polite refusals in the user's language (shown by the bot as the hint; the CLI prints both).
REFUSALS: dict[str, dict[str, str]] = {
    "sexual": {
        "ru": "Я не пишу откровенных историй: мои сказки читают и дети. Попробуйте другую тему — "
        "например, «Дракон, который боялся темноты».",
        "en": "I don't write explicit stories: children read my tales too. Try another idea — "
        "for example, 'A dragon who was afraid of the dark'.",
    },
    "minors": {
        "ru": "Такую историю я не напишу. Попробуйте другую тему — например, «Котёнок ищет друга».",
        "en": "I won't write that story. Try another idea — for example, 'A kitten looking for a friend'.",
    },
    "gore": {
        "ru": "Я не пишу историй с жестокостью и кровью: мои сказки для всех возрастов. Страшно можно и без "
        "этого — попробуйте, например, «Призрак в старом замке».",
        "en": "I don't write gory or cruel stories: my tales are for all ages. A story can be scary without "
        "that — try, for example, 'A ghost in an old castle'.",
    },
}
