"""Normalisation of the noisy Spanish that owners type on a phone.

Accents are dropped (people rarely type them) but ñ is kept apart from n, so
"año" never becomes "ano". Numbers are made comparable: "15,2" and "15.2" are
the same decimal, "7 000", "7.000" and "7000" the same integer.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# Thousands: 1-3 digits, then groups of exactly three after a space, point or comma.
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:[ .,\u00a0\u202f]\d{3})+)(?![\d]|[.,]\d)")
_DECIMAL = re.compile(r"(?<=\d),(?=\d)")
_NON_WORD = re.compile(r"[^a-z0-9ñ.%]+")
_STRAY_POINT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_N_TILDE = "\u0000"


def strip_accents(text: str) -> str:
    """Lower-case and remove accents, keeping ñ distinct from n."""
    text = text.lower()
    if text.isascii():  # most phone-typed messages: nothing to decompose
        return text
    text = unicodedata.normalize("NFC", text).replace("ñ", _N_TILDE)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.replace(_N_TILDE, "ñ")


def clean(text: str) -> str:
    """Remove control and invisible characters; collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def _join_thousands(match: re.Match[str]) -> str:
    return match.group(1) + re.sub(r"[ .,\u00a0\u202f]", "", match.group(2))


def normalize(text: str) -> str:
    """Canonical form for comparison: lower case, no accents, no punctuation."""
    text = strip_accents(clean(text))
    text = _THOUSANDS.sub(_join_thousands, text)
    text = _DECIMAL.sub(".", text)
    text = _NON_WORD.sub(" ", text)
    text = _STRAY_POINT.sub(" ", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Words of the normalised text (numbers keep their decimal point)."""
    return normalize(text).replace("%", " % ").split()
