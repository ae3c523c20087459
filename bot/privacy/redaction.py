"""Personal data out of free text, before it is stored.

Owners type their phone, RUC, DNI, e-mail or name into questions ("soy maria,
llamenme al 912345678"). Those texts are kept for the curators, so the
identifiers are replaced by a marker at write time; the lead's own phone and
RUC live only in their columns, where erasure finds them. Pure functions:
the storage layer calls them, nothing here touches a database.

Numbers that are not identifiers stay: amounts ("15 millones", "S/ 1500000"),
years, laws ("Ley 29733", "D. Leg. 1278") and percentages are what curators
need to read. Phones are found by libphonenumber's matcher (the same library
that validates the lead's phone), so "987 654 321", "+51 987-654-321" and
"(01) 426-7890" are caught and "2025" is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers

PHONE = "[teléfono]"
RUC = "[RUC]"
DNI = "[DNI]"
EMAIL = "[correo]"
NAME = "[nombre]"
NUMBER = "[número]"

# Possessive, and only from the start of a word: a long word without "@" is scanned once,
# not once per position (a 4,096-character word cost 100+ ms).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+", re.UNICODE)
_MOBILE = re.compile(r"(?<![\d\w])9\d{8}(?![\d\w])")  # a bare mobile, as owners type it
_LONG = re.compile(r"(?<![\d\w])\d{12,}(?![\d\w])")  # accounts, cards, CCI
_RUC = re.compile(r"(?<![\d\w])\d{11}(?![\d\w])")
_DNI = re.compile(r"(?<![\d\w])\d{8}(?![\d\w])")
_NAME_CUES = re.compile(
    r"\b(me llamo|mi nombre es|les? habla|les? escribe|atentamente|att\.?)\s+", re.IGNORECASE
)
# Words that end a name introduced by a cue ("me llamo Rosa y tengo una bodega").
_NAME_STOP = frozenset(
    re.findall(
        r"\w+",
        "de del la el los las y e o con mi mis un una para que por en desde a al tengo soy "
        "hago vendo trabajo quiero queria quisiera necesito busco tenemos somos es",
    )
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_VOWELS = {"a": "aáàä", "e": "eéèë", "i": "iíìï", "o": "oóòö", "u": "uúùü"}
_DIGITS_HINT = re.compile(r"\d{6}|\d[\s().-]?\d{2,}[\s().-]?\d{2,}[\s().-]?\d")


def _phones(text: str) -> str:
    text = _MOBILE.sub(PHONE, text)
    if not _DIGITS_HINT.search(text):
        return text  # the matcher is the slow part: skip texts without a phone's digits
    spans = [
        (m.start, m.end)
        for m in phonenumbers.PhoneNumberMatcher(text, "PE", leniency=phonenumbers.Leniency.VALID)
    ]
    for start, end in reversed(spans):
        text = text[:start] + PHONE + text[end:]
    return text


def _identifiers(text: str) -> str:
    text = _LONG.sub(NUMBER, text)
    text = _RUC.sub(RUC, text)
    # Eight digits are a DNI unless they are a round amount ("10000000 de soles").
    return _DNI.sub(lambda m: m.group() if m.group().endswith("000") else DNI, text)


def _name_pattern(word: str) -> str:
    """ "María" also matches "maria" and "MARÍA": owners rarely type accents."""
    bare = "".join(
        c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c)
    )
    return "".join(f"[{_VOWELS[c]}]" if c in _VOWELS else re.escape(c) for c in bare)


def _known_names(text: str, names: Iterable[str | None]) -> str:
    words = {w for name in names if name for w in _WORD.findall(name) if len(w) >= 3}
    for word in sorted(words, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){_name_pattern(word)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(NAME, text)
    return text


def _introduced_names(text: str) -> str:
    """The words after "me llamo", "mi nombre es"…, up to four, until a common word."""
    out: list[str] = []
    position = 0
    for cue in _NAME_CUES.finditer(text):
        if cue.start() < position:
            continue
        out.append(text[position : cue.end()])
        position = cue.end()
        for taken, word in enumerate(_WORD.finditer(text, position)):
            gap = text[position : word.start()]
            if taken == 4 or word.group().lower() in _NAME_STOP or gap.strip(" ,") or "\n" in gap:
                break
            if taken == 0:
                out.append(gap + NAME)  # the whole name becomes one marker
            position = word.end()
    out.append(text[position:])
    return "".join(out)


def redact(text: str, names: Iterable[str | None] = ()) -> str:
    """`text` with phones, e-mails, RUCs, DNIs and the given or introduced names replaced."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    text = _phones(text)
    text = _identifiers(text)
    text = _known_names(text, names)
    return _introduced_names(text)
