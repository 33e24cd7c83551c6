"""Text normalisation before TTS: what a voice can say, not what the subtitles show.

Story text comes from a small LLM and from users, so it carries digits, abbreviations, symbols,
Latin words, emoji and stray markup. TTS front-ends handle these unevenly (espeak-ng reads "%" as
nothing, Silero drops every Latin letter, RHVoice reads "т.е." letter by letter), so every line
goes through ``normalize`` first, with a per-backend ``Policy``. The subtitles keep the original.

Russian numbers are read with grammatical agreement where the context makes it clear: the case a
preposition governs ("до 5" → "до пяти"), the gender of the counted noun ("1 девочка" → "одна"),
ordinals written "5-й" / "3-го", years ("в 2024 году" → "в две тысячи двадцать четвёртом году"),
and unit nouns that follow (%, $, руб. → "процентов", "доллара", "рубля"). num2words does the
spelling; this module chooses case, gender and number for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from engine.lang.markup import strip_markup


@dataclass(frozen=True)
class Policy:
    """What a backend can take. ``stress``: keep '+' stress marks (Silero); else strip them.
    ``latin``: "keep" (the voice reads Latin words itself, e.g. RHVoice's pseudo-English) or
    "translit" (Latin words in Russian text become Cyrillic: Silero drops Latin letters)."""

    stress: bool = False
    latin: str = "keep"


DEFAULT_POLICY = Policy()

VOWELS_RU = "аеёиоуыэюяАЕЁИОУЫЭЮЯ"
VOWELS_ALL = VOWELS_RU + "aeiouyAEIOUY"

# ---------------------------------------------------------------- markup, emoji, odd characters

_KEEP_PUNCT = set(".,!?…:;-—–()'\"«»„“”")
_KEEP_SYMBOLS = set("+%№§&$€£₽°#@/=<>\\{}[]|^")  # read as words (or dropped) later, per language


def _is_emoji_or_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co", "Cn") or 0xFE00 <= ord(ch) <= 0xFE0F or ord(ch) == 0x200D


def clean_characters(text: str) -> str:
    """Drop emoji, control/format characters (incl. bidi marks) and scripts the voices lack.

    Letters outside Latin and Cyrillic (Hebrew, Arabic, CJK …) are removed rather than guessed at:
    our voices would either skip them or spell them as noise.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "\n\t":
            out.append(" ")
            continue
        cat = unicodedata.category(ch)
        if ch in _KEEP_SYMBOLS:
            out.append(ch)
        elif cat.startswith("C") or _is_emoji_or_symbol(ch):
            out.append(" ")
        elif cat.startswith("L"):
            name = unicodedata.name(ch, "")
            out.append(ch if name.startswith(("LATIN", "CYRILLIC")) else " ")
        elif cat == "Mn":
            out.append(ch if ch == "\u0301" else "")  # combining acute = stress mark, kept for now
        elif cat.startswith("N") or ch.isspace() or ch in _KEEP_PUNCT:
            out.append(ch)
        else:
            out.append(" ")
    return "".join(out)


# ---------------------------------------------------------------- stress marks

_ACUTE_AFTER_VOWEL = re.compile(f"([{VOWELS_ALL}])\u0301")
_PLUS_STRESS = re.compile(
    f"(?<![0-9\\s+])\\+(?=[{VOWELS_ALL}])|(?<=\\s)\\+(?=[{VOWELS_ALL}])|^\\+(?=[{VOWELS_ALL}])"
)


def handle_stress(text: str, keep: bool) -> str:
    """Unify stress marks to '+' before the vowel (Silero's convention), or strip them.

    A '+' is a stress mark only when a vowel follows it directly and it does not stand between
    numbers ("2+2" stays arithmetic and is read as "плюс").
    """
    text = _ACUTE_AFTER_VOWEL.sub(lambda m: "+" + m.group(1), text)
    text = text.replace("\u0301", "")
    if keep:
        return text
    return _PLUS_STRESS.sub("", text)


# ---------------------------------------------------------------- Latin words in Russian text

_TRANSLIT_MULTI = [
    ("sch", "ск"),
    ("tion", "шн"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("th", "т"),
    ("ph", "ф"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ck", "к"),
    ("qu", "кв"),
    ("oo", "у"),
    ("ee", "и"),
    ("ea", "и"),
    ("ou", "ау"),
    ("ow", "оу"),
    ("ay", "эй"),
    ("ey", "эй"),
    ("oy", "ой"),
    ("ai", "эй"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("wh", "у"),
    ("gh", "г"),
    ("ts", "ц"),
]
_TRANSLIT_ONE = {
    "a": "а",
    "b": "б",
    "c": "к",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "дж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "кс",
    "y": "и",
    "z": "з",
}


def transliterate_word(word: str) -> str:
    """A practical English-to-Cyrillic reading ("Google" → "гугл"-like), for voices without Latin."""
    w = word.lower()
    out = []
    i = 0
    while i < len(w):
        for src, dst in _TRANSLIT_MULTI:
            if w.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            ch = w[i]
            if ch == "e" and i == len(w) - 1 and len(w) > 2:
                pass  # silent final e: "joke" → "джок"
            elif ch == "y":
                out.append("й" if i == len(w) - 1 and i > 0 and w[i - 1] in "aeiou" else "и")
            else:
                out.append(_TRANSLIT_ONE.get(ch, ch))
            i += 1
    res = "".join(out)
    return res.capitalize() if word[:1].isupper() else res


def transliterate_latin(text: str) -> str:
    return re.sub(r"[A-Za-z]+", lambda m: transliterate_word(m.group(0)), text)


# ---------------------------------------------------------------- Russian numbers


@lru_cache(maxsize=1)
def _morph():
    """pymorphy3 if installed (for the gender of counted nouns); None keeps masculine defaults."""
    try:
        from engine.lang.morph import morph

        return morph()
    except Exception:  # any import/dictionary problem only costs grammatical gender
        return None


_MORPH_CASES = {
    "nomn": "nominative",
    "gent": "genitive",
    "datv": "dative",
    "accs": "accusative",
    "ablt": "instrumental",
    "loct": "prepositional",
}


def _noun_info(word: str) -> tuple[str, str | None]:
    """(gender "m"/"f"/"n", case or None) of the noun after a number, from pymorphy3's best parse."""
    morph = _morph()
    if morph is None or not word:
        return "m", None
    for parse in morph.parse(word)[:3]:
        if "NOUN" in parse.tag:
            gender = "f" if "femn" in parse.tag else "n" if "neut" in parse.tag else "m"
            return gender, _MORPH_CASES.get(str(parse.tag.case)) if "sing" in parse.tag else None
    return "m", None


def _noun_gender(word: str) -> str:
    return _noun_info(word)[0]


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form after a number: 1 год, 2 года, 5 лет (11–14 take the 'many' form)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


_PREP_CASE = {
    "до": "genitive",
    "от": "genitive",
    "из": "genitive",
    "без": "genitive",
    "около": "genitive",
    "для": "genitive",
    "у": "genitive",
    "после": "genitive",
    "против": "genitive",
    "с": "genitive",
    "со": "genitive",
    "кроме": "genitive",
    "вместо": "genitive",
    "среди": "genitive",
    "к": "dative",
    "ко": "dative",
    "по": "dative",
    "благодаря": "dative",
    "о": "prepositional",
    "об": "prepositional",
    "обо": "prepositional",
    "при": "prepositional",
    "над": "instrumental",
    "под": "instrumental",
    "перед": "instrumental",
    "за": "accusative",
    "между": "instrumental",
    "через": "accusative",
    "про": "accusative",
}
_ORDINAL_SUFFIX_CASE = {
    "й": ("nominative", "m"),
    "ый": ("nominative", "m"),
    "ий": ("nominative", "m"),
    "ой": ("nominative", "m"),
    "го": ("genitive", "m"),
    "ого": ("genitive", "m"),
    "его": ("genitive", "m"),
    "му": ("dative", "m"),
    "ому": ("dative", "m"),
    "ему": ("dative", "m"),
    "м": ("prepositional", "m"),
    "ом": ("prepositional", "m"),
    "ем": ("prepositional", "m"),
    "я": ("nominative", "f"),
    "ая": ("nominative", "f"),
    "яя": ("nominative", "f"),
    "ю": ("accusative", "f"),
    "ую": ("accusative", "f"),
    "е": ("nominative", "n"),
    "ое": ("nominative", "n"),
    "ее": ("nominative", "n"),
    "х": ("prepositional", "p"),
    "ых": ("prepositional", "p"),
    "ми": ("instrumental", "p"),
    "ыми": ("instrumental", "p"),
}
_YEAR_FORMS = {"год": "nominative", "года": "genitive", "году": "prepositional", "годом": "instrumental"}
_RU_UNITS = {  # symbol/abbreviation → (one, few, many)
    "%": ("процент", "процента", "процентов"),
    "$": ("доллар", "доллара", "долларов"),
    "€": ("евро", "евро", "евро"),
    "£": ("фунт", "фунта", "фунтов"),
    "₽": ("рубль", "рубля", "рублей"),
    "руб.": ("рубль", "рубля", "рублей"),
    "коп.": ("копейка", "копейки", "копеек"),
    "°": ("градус", "градуса", "градусов"),
    "км": ("километр", "километра", "километров"),
    "кг": ("килограмм", "килограмма", "килограммов"),
    "тыс.": ("тысяча", "тысячи", "тысяч"),
    "млн": ("миллион", "миллиона", "миллионов"),
    "млрд": ("миллиард", "миллиарда", "миллиардов"),
    "мин.": ("минута", "минуты", "минут"),
    "сек.": ("секунда", "секунды", "секунд"),
    "ч.": ("час", "часа", "часов"),
}
_UNIT_GENDER = {
    "%": "m",
    "$": "m",
    "€": "n",
    "£": "m",
    "₽": "m",
    "руб.": "m",
    "коп.": "f",
    "°": "m",
    "км": "m",
    "кг": "m",
    "тыс.": "f",
    "млн": "m",
    "млрд": "m",
    "мин.": "f",
    "сек.": "f",
    "ч.": "m",
}


def _n2w(number, lang: str, **kw) -> str:
    try:
        from num2words import num2words
    except ImportError:  # without num2words digits stay digits: every voice still reads them
        return str(number)
    try:
        return num2words(number, lang=lang, **kw)
    except (NotImplementedError, OverflowError, ValueError, TypeError, AttributeError):
        try:
            return num2words(number, lang=lang)
        except Exception:
            return str(number)


def _ru_number_words(value: str, case: str, gender: str, ordinal: bool = False) -> str:
    if "," in value or "." in value:
        return _n2w(float(value.replace(",", ".")), "ru")
    num = int(value)
    kind = "ordinal" if ordinal else "cardinal"
    plural = gender == "p"
    if plural or (not ordinal and num % 1000 == 0):
        gender = "m"  # "миллион звёзд": the noun's gender only bends the last group's 1 and 2
    if not ordinal and gender != "m" and num >= 1000:
        # num2words would bend every group ("две миллиона одна"): spell the last group on its own
        high, low = num - num % 1000, num % 1000
        return (
            _n2w(high, "ru", to=kind, case=case, gender="m")
            + " "
            + _n2w(low, "ru", to=kind, case=case, gender=gender)
        )
    return _n2w(num, "ru", to=kind, case=case, gender=gender, plural=plural)


_RU_NUMBER = re.compile(
    r"(?P<pre>(?<![\w])(?P<prep>[А-Яа-яЁё]+)\s+)?"
    r"(?P<num>\d+(?:[.,]\d+)?)"
    r"(?:-(?P<suffix>[а-яё]{1,3})\b)?"
    r"(?P<gap>\s*)"
    r"(?P<unit>%|\$|€|£|₽|°|руб\.|коп\.|км\b|кг\b|тыс\.|млн\b|млрд\b|мин\.|сек\.|ч\.)?"
    r"(?P<after>\s*(?P<next>[А-Яа-яЁё]+))?"
)


def _ru_numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        prep = (m.group("prep") or "").lower()
        pre = m.group("pre") or ""
        num, suffix, unit, nxt = m.group("num"), m.group("suffix"), m.group("unit"), m.group("next") or ""
        after = m.group("after") or ""
        case = _PREP_CASE.get(prep, "nominative")
        if suffix and suffix in _ORDINAL_SUFFIX_CASE:
            ocase, ogender = _ORDINAL_SUFFIX_CASE[suffix]
            if ogender == "m" and nxt:
                g = _noun_gender(nxt)
                ogender = g if g != "m" else "m"
            return pre + _ru_number_words(num, ocase, ogender, ordinal=True) + m.group("gap") + after
        if unit:
            words = _ru_number_words(num, case, _UNIT_GENDER.get(unit, "m"))
            forms = _RU_UNITS[unit]
            unit_word = forms[1] if ("," in num or "." in num) else ru_plural(int(num), *forms)
            return pre + words + " " + unit_word + after
        year_case = _YEAR_FORMS.get(nxt.lower())
        if year_case and len(num) == 4 and num.isdigit():
            return pre + _ru_number_words(num, year_case, "m", ordinal=True) + m.group("gap") + after
        gender, noun_case = _noun_info(nxt) if nxt else ("m", None)
        if noun_case and case == "nominative" and num.isdigit() and ru_plural(int(num), "1", "2", "5") == "1":
            case = noun_case  # "1 ягоду" → "одну ягоду": after 1 the noun shows the numeral's case
        return pre + _ru_number_words(num, case, gender) + m.group("gap") + after

    return _RU_NUMBER.sub(repl, text)


# ---------------------------------------------------------------- English numbers

_EN_UNITS = {
    "%": ("percent", "percent"),
    "$": ("dollar", "dollars"),
    "€": ("euro", "euros"),
    "£": ("pound", "pounds"),
    "°": ("degree", "degrees"),
}


def _en_numbers(text: str) -> str:
    def money(m: re.Match[str]) -> str:
        one, many = _EN_UNITS[m.group(1)]
        value = m.group(2)
        words = _n2w(float(value) if "." in value else int(value), "en")
        return f"{words} {one if value == '1' else many}"

    text = re.sub(r"([$€£])\s?(\d+(?:\.\d+)?)", money, text)

    def unit(m: re.Match[str]) -> str:
        one, many = _EN_UNITS[m.group(2)]
        value = m.group(1)
        words = _n2w(float(value) if "." in value else int(value), "en")
        return f"{words} {one if value == '1' else many}"

    text = re.sub(r"(\d+(?:\.\d+)?)\s?(%|°)", unit, text)
    text = re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: _n2w(int(m.group(1)), "en", to="ordinal"), text)

    def plain(m: re.Match[str]) -> str:
        value = m.group(0).replace(",", "")
        if "." in value:
            return _n2w(float(value), "en")
        n = int(value)
        if len(value) == 4 and 1100 <= n <= 2099:
            return _n2w(n, "en", to="year")
        return _n2w(n, "en")

    return re.sub(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", plain, text)


# ---------------------------------------------------------------- abbreviations and symbols

_RU_ABBREVIATIONS = [
    (r"\bи\s?т\.\s?д\.", "и так далее"),
    (r"\bи\s?т\.\s?п\.", "и тому подобное"),
    (r"\bи\s?др\.", "и другие"),
    (r"\bи\s?пр\.", "и прочее"),
    (r"\bт\.\s?е\.", "то есть"),
    (r"\bт\.\s?к\.", "так как"),
    (r"\bт\.\s?н\.", "так называемый"),
    (r"\bт\.\s?д\.", "так далее"),
    (r"\bт\.\s?п\.", "тому подобное"),
    (r"\bсм\.", "смотри"),
    (r"\bстр\.", "страница"),
    (r"\bул\.", "улица"),
    (r"\bим\.", "имени"),
    (r"\bсв\.", "святой"),
    (r"\bгр\.", "гражданин"),
    (r"\bдр\.", "другие"),
    (r"\bнапр\.", "например"),
    (r"\bпр\.", "прочее"),
]
_EN_ABBREVIATIONS = [
    (r"\bMr\.", "Mister"),
    (r"\bMrs\.", "Missus"),
    (r"\bMs\.", "Miz"),
    (r"\bDr\.", "Doctor"),
    (r"\bSt\.", "Saint"),
    (r"\bProf\.", "Professor"),
    (r"\bJr\.", "Junior"),
    (r"\bSr\.", "Senior"),
    (r"\be\.g\.", "for example"),
    (r"\bi\.e\.", "that is"),
    (r"\betc\.", "et cetera"),
    (r"\bvs\.", "versus"),
    (r"\bapprox\.", "approximately"),
    (r"\bNo\.\s?(?=\d)", "number "),
]
_RU_SYMBOLS = {
    "№": " номер ",
    "§": " параграф ",
    "+": " плюс ",
    "&": " и ",
    "=": " равно ",
    "@": " собака ",
    "#": " решётка ",
    "%": " процентов ",
    "$": " долларов ",
    "€": " евро ",
    "₽": " рублей ",
    "°": " градусов ",
    "£": " фунтов ",
}
_EN_SYMBOLS = {
    "№": " number ",
    "§": " section ",
    "+": " plus ",
    "&": " and ",
    "=": " equals ",
    "@": " at ",
    "#": " number ",
    "%": " percent ",
    "$": " dollars ",
    "€": " euros ",
    "₽": " roubles ",
    "°": " degrees ",
    "£": " pounds ",
}


def _ru_years_abbrev(text: str) -> str:
    """ "в 2024 г." → "в 2024 году"; "2024 г." → "2024 года"; later spelled as ordinals."""
    text = re.sub(r"\b(в|во)\s+(\d{3,4})\s*г\.", r"\1 \2 году", text, flags=re.IGNORECASE)
    text = re.sub(r"(\d{3,4})\s*гг\.", r"\1 годы", text)
    return re.sub(r"(\d{3,4})\s*г\.", r"\1 года", text)


def _symbols(text: str, table: dict[str, str]) -> str:
    """Symbols become words; a '+' right before a vowel is a stress mark (kept only if still there)."""
    for sym, word in table.items():
        plus = sym == "+"
        text = re.sub(f"\\+(?![{VOWELS_ALL}])", word, text) if plus else text.replace(sym, word)
    return re.sub(r"[\\{}\[\]|^<>/]", " ", text)


def normalize(text: str, lang: str, policy: Policy = DEFAULT_POLICY) -> str:
    """Turn display text into speakable text for a voice in ``lang`` with the given ``policy``.

    Never raises on odd input: anything unspeakable becomes a space; the result may be empty
    (e.g. a line of only emoji), which the caller turns into a pause.
    """
    text = strip_markup(text)
    text = clean_characters(text)
    text = handle_stress(text, keep=policy.stress)
    if lang == "ru":
        # "1 000 000" (digit groups split by spaces, as Russian typography does) is one number
        text = re.sub(
            r"(?<![\d,.])(\d{1,3})((?:[ \u00a0\u202f]\d{3})+)(?![\d,])",
            lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)),
            text,
        )
        for pattern, words in _RU_ABBREVIATIONS:
            text = re.sub(pattern, words, text)
        text = _ru_years_abbrev(text)
        text = re.sub(r"№\s*(?=\d)", "номер ", text)
        text = _ru_numbers(text)
        text = _symbols(text, _RU_SYMBOLS)
        if policy.latin == "translit":
            text = transliterate_latin(text)
    else:
        for pattern, words in _EN_ABBREVIATIONS:
            text = re.sub(pattern, words, text)
        text = _en_numbers(text)
        text = _symbols(text, _EN_SYMBOLS)
    if not policy.stress:
        text = text.replace("+", " ")
    text = re.sub(r"([.!?…])\1{2,}", r"\1", text)  # "!!!!" → "!"
    text = re.sub(r"\s+([,.!?…:;])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not re.search(r"\w", text):
        return ""
    return text
