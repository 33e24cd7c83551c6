"""Genres: how one is chosen from the prompt's words, and how each one shapes the plot.

A plot is a list of beats (hero and setting, problem, attempts, helper or twist, climax, ending).
Each beat has *cues*: the first words of the beat, which always name the hero, so a small model
continuing them stays with the same character and moves the plot the way the genre expects. The
model only has to finish the sentence; the plan supplies the direction.

Cue placeholders: ``{H}`` the hero as named in the text (capitalised at the sentence start),
``{a}`` the Russian past-tense ending agreeing with the hero (""/"а"/"о"/"и"), ``{ся}`` for
reflexive verbs ("ся"/"ась"/"ось"/"ись").
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.story import GENRES
from engine.text.wordlists import word_set

#: Words that vote for a genre when request.genre is "auto" (lemmas; Russian and English mixed).
GENRE_WORDS: dict[str, frozenset[str]] = {
    "fairy_tale": word_set(
        "сказка сказочный дракон принцесса принц король королева царь царевна царевич ведьма фея "
        "волшебник волшебный колдун замок великан гном эльф единорог русалка богатырь баба-яга кощей "
        "жар-птица колобок fairy dragon princess prince king queen witch wizard castle giant dwarf "
        "elf unicorn mermaid magic magical troll"
    ),
    "fable": word_set(
        "басня мораль лиса ворона волк заяц муравей стрекоза черепаха лев мышь медведь ёж fable moral "
        "fox crow wolf hare ant grasshopper tortoise lion mouse bear hedgehog"
    ),
    "adventure": word_set(
        "приключение пират сокровище клад остров путешествие карта корабль джунгли экспедиция "
        "путешественник море гора пустыня adventure pirate treasure island journey voyage map ship "
        "jungle expedition explorer sea mountain desert quest"
    ),
    "horror": word_set(
        "страшный страх ужас призрак привидение вампир зомби кладбище проклятие монстр чудовище "
        "оборотень ведьма полночь horror scary ghost haunted vampire zombie graveyard cemetery curse "
        "monster werewolf midnight creepy fear"
    ),
    "comedy": word_set(
        "смешной смешно весёлый забавный нелепый шутка комедия клоун растяпа funny silly comedy joke "
        "clown clumsy hilarious goofy"
    ),
    "scifi": word_set(
        "робот космос космический планета звездолёт корабль инопланетянин ракета будущее андроид "
        "галактика марс луна космонавт robot space planet spaceship starship alien rocket future "
        "android galaxy mars astronaut cyborg"
    ),
    "detective": word_set(
        "детектив сыщик преступление кража украсть пропажа пропасть улика загадка расследование "
        "полиция следователь detective crime theft stolen steal missing clue mystery investigation "
        "police investigator sleuth"
    ),
    "bedtime": word_set(
        "колыбельный колыбельная уснуть засыпать заснуть сон спать спокойный ночь bedtime sleep asleep "
        "lullaby sleepy dream pillow"
    ),
}

#: How each genre shapes the plan and the tone (told to instruction models in the plan and scene prompts).
TONES: dict[str, str] = {
    "fairy_tale": "a fairy tale: a little magic, a kind helper, good wins, a warm ending",
    "fable": "a fable: animals that talk, a short clear plot, and the ending states the moral in one sentence",
    "adventure": "an adventure: a journey to a goal, obstacles on the way, courage, and coming home",
    "horror": (
        "a scary story for children: spooky, mysterious and shivery, but no blood, no gore and nobody hurt; "
        "the fear is faced and turns out smaller than it seemed"
    ),
    "comedy": "a funny story: silly mistakes, surprises, a playful tone and a happy ending",
    "scifi": "a science-fiction tale for children: robots, space or gadgets, wonder and discovery",
    "detective": "a mystery for children: something is missing, clues, questions, and a clever solution",
    "bedtime": (
        "a bedtime story: slow, calm and cozy, a gentle small problem, and a soft ending where everyone "
        "falls asleep"
    ),
}


def choose_genre(requested: str, lemmas: list[str]) -> str:
    """The requested genre if it is one of GENRES, else the one the prompt's words vote for."""
    if requested in GENRES:
        return requested
    votes = {
        g: sum(1 for w in lemmas if w.replace("ё", "е") in {x.replace("ё", "е") for x in ws})
        for g, ws in GENRE_WORDS.items()
    }
    best = max(votes.values())
    if best == 0:
        return "fairy_tale"
    return next(g for g in GENRES if votes.get(g) == best)


@dataclass(frozen=True)
class BeatSpec:
    kind: str  # "setting", "problem", "attempt", "helper", "twist", "climax", "ending", "moral"
    mood: str  # the beat's default mood (used when its words say nothing)
    cues_ru: tuple[str, ...]
    cues_en: tuple[str, ...]


def _b(kind: str, mood: str, ru: str, en: str) -> BeatSpec:
    return BeatSpec(kind, mood, tuple(ru.split(" | ")), tuple(en.split(" | ")))


# The shared skeleton; genres override single beats below.
_BASE: dict[str, BeatSpec] = {
    "setting": _b(
        "setting",
        "calm",
        "Каждый день {H} | {H} жил{a} в | Больше всего на свете {H} любил{a}",
        "Every day {H} | {H} lived in | More than anything, {H} loved",
    ),
    "problem": _b(
        "problem",
        "tense",
        "Но однажды {H} | Однажды утром {H} увидел{a}, что | Как-то раз {H} узнал{a}, что",
        "But one day {H} | One morning {H} saw that | One day {H} found out that",
    ),
    "attempt": _b(
        "attempt",
        "tense",
        "Тогда {H} решил{a} | Сначала {H} попробовал{a} | {H} долго думал{a}, как",
        "So {H} decided to | First, {H} tried to | {H} thought hard about how to",
    ),
    "attempt2": _b(
        "attempt",
        "tense",
        "Но и это не помогло, и {H} | Тогда {H} отправил{ся} | Снова и снова {H}",
        "But that did not help, so {H} | Then {H} set off to | Again and again {H}",
    ),
    "helper": _b(
        "helper",
        "mysterious",
        "Вдруг {H} встретил{a} | По дороге {H} повстречал{a} | И тут {H} услышал{a} чей-то голос:",
        "Suddenly {H} met | On the way, {H} came across | Just then {H} heard a voice:",
    ),
    "twist": _b(
        "twist",
        "mysterious",
        "И тут {H} понял{a}, что | Неожиданно {H} заметил{a}, что | Оказалось, что {H}",
        "Then {H} realised that | Suddenly {H} noticed that | It turned out that {H}",
    ),
    "climax": _b(
        "climax",
        "tense",
        "Собрав всю смелость, {H} | И тогда {H} | В самый трудный момент {H}",
        "Gathering all the courage, {H} | And then {H} | At the hardest moment, {H}",
    ),
    "ending": _b(
        "ending",
        "happy",
        "С тех пор {H} | Так {H} наконец | И с того дня {H}",
        "From that day on, {H} | And so {H} finally | Ever since, {H}",
    ),
    "moral": _b(
        "moral",
        "calm",
        "Так {H} узнал{a}, что | {H} понял{a} главное:",
        "And so {H} learned that | {H} understood the most important thing:",
    ),
}

_GENRE_OVERRIDES: dict[str, dict[str, BeatSpec]] = {
    "fable": {
        "ending": _b("ending", "calm", "С тех пор {H} | Так {H}", "From then on, {H} | And so {H}"),
    },
    "adventure": {
        "problem": _b(
            "problem",
            "tense",
            "Однажды {H} отыскал{a} старую карту, | Однажды {H} услышал{a} о "
            "| Как-то раз {H} отправил{ся} в путь,",
            "One day {H} found an old map | One day {H} heard about | One morning {H} set off",
        ),
        "ending": _b(
            "ending",
            "triumphant",
            "Домой {H} вернул{ся} | Так {H} | С тех пор {H}",
            "{H} returned home | And so {H} | Ever since, {H}",
        ),
    },
    "horror": {
        "problem": _b(
            "problem",
            "scary",
            "Но однажды ночью {H} услышал{a} | В ту ночь {H} заметил{a}, что "
            "| Однажды {H} увидел{a} в темноте",
            "But one night {H} heard | That night {H} noticed that | One night {H} saw in the dark",
        ),
        "climax": _b(
            "climax",
            "scary",
            "Дрожа от страха, {H} | И тогда {H} | В полночь {H}",
            "Trembling with fear, {H} | And then {H} | At midnight, {H}",
        ),
        "ending": _b(
            "ending",
            "mysterious",
            "С тех пор {H} | Наутро {H} | Больше {H} никогда не",
            "Ever since, {H} | In the morning {H} | {H} never again",
        ),
    },
    "comedy": {
        "attempt": _b(
            "attempt",
            "happy",
            "Тогда {H} придумал{a} смешной план: | Сначала {H} попробовал{a} | {H} решил{a}",
            "So {H} came up with a silly plan: | First, {H} tried to | {H} decided to",
        ),
        "ending": _b(
            "ending",
            "happy",
            "Все смеялись, а {H} | С тех пор {H}",
            "Everyone laughed, and {H} | Ever since, {H}",
        ),
    },
    "scifi": {
        "setting": _b(
            "setting",
            "mysterious",
            "Каждое утро {H} | {H} жил{a} на | {H} мечтал{a}",
            "Every morning {H} | {H} lived on | {H} dreamed of",
        ),
        "problem": _b(
            "problem",
            "tense",
            "Но однажды {H} получил{a} сигнал: | Однажды {H} заметил{a}, что | Вдруг {H} увидел{a} на экране",
            "But one day {H} received a signal: | One day {H} noticed that | Suddenly {H} saw on the screen",
        ),
    },
    "detective": {
        "problem": _b(
            "problem",
            "tense",
            "Однажды {H} узнал{a}, что пропал | Однажды утром {H} обнаружил{a}, что "
            "| Как-то раз {H} получил{a} странное письмо:",
            "One day {H} learned that someone had stolen | One morning {H} discovered that "
            "| One day {H} was asked to find",
        ),
        "attempt": _b(
            "attempt",
            "tense",
            "{H} внимательно осмотрел{a} | Сначала {H} расспросил{a} | {H} заметил{a} первую улику:",
            "{H} carefully examined | First, {H} questioned | {H} found the first clue:",
        ),
        "climax": _b(
            "climax",
            "triumphant",
            "И тогда {H} понял{a}, кто | Наконец {H} | {H} собрал{a} всех и сказал{a}:",
            "And then {H} realised who | At last {H} | {H} gathered everyone and said:",
        ),
    },
}

#: Beat sequences by length; the opening (the user's sentences) comes before them.
_SEQUENCES: dict[int, tuple[str, ...]] = {
    5: ("problem", "attempt", "helper", "climax", "ending"),
    6: ("setting", "problem", "attempt", "helper", "climax", "ending"),
    7: ("setting", "problem", "attempt", "attempt2", "helper", "climax", "ending"),
    8: ("setting", "problem", "attempt", "attempt2", "helper", "twist", "climax", "ending"),
    9: ("setting", "problem", "attempt", "attempt2", "helper", "twist", "climax", "ending", "moral"),
}


def beat_specs(genre: str, n: int) -> list[BeatSpec]:
    """The genre's beats for a story with ``n`` beats after the opening."""
    n_clamped = min(max(n, 1), 9)
    seq = _SEQUENCES.get(n_clamped) or _SEQUENCES[5][-n_clamped:]
    if genre == "fable" and n_clamped >= 6 and "moral" not in seq:
        # a fable ends on its moral: make room for it by dropping the least needed beat
        drop = next(k for k in ("twist", "attempt2", "setting") if k in seq)
        seq = (*(k for k in seq if k != drop), "moral")
    overrides = _GENRE_OVERRIDES.get(genre, {})
    return [overrides.get(kind, _BASE[kind]) for kind in seq]


#: How the story is announced to the model; the genre word primes the register.
HEADERS = {
    "ru": {
        "fairy_tale": "Сказка",
        "fable": "Басня",
        "adventure": "Приключенческая повесть",
        "horror": "Страшная история",
        "comedy": "Смешная история",
        "scifi": "Фантастический рассказ",
        "detective": "Детективная история",
        "bedtime": "Сказка на ночь",
    },
    "en": {
        "fairy_tale": "A fairy tale",
        "fable": "A fable",
        "adventure": "An adventure story",
        "horror": "A scary story",
        "comedy": "A funny story",
        "scifi": "A science fiction story",
        "detective": "A detective story",
        "bedtime": "A bedtime story",
    },
}
