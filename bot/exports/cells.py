"""Cell values that are safe to open in a spreadsheet."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
_FORMULA_START = frozenset("=+-@\t\r\n")
# What a spreadsheet may skip before reading a cell as a formula: spaces (any kind),
# line breaks, control and invisible characters.
_INVISIBLE_START = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]+")
# Characters XML 1.0 cannot carry: openpyxl refuses the C0 controls (IllegalCharacterError),
# and a lone surrogate or U+FFFE/U+FFFF would leave a file Excel refuses to open.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_text(value: str | None) -> str:
    """Neutralise spreadsheet formula injection: a leading quote makes it literal text.

    Spreadsheets also start a formula after leading spaces or line breaks, and
    some read a full-width sign ("＝", "＋", "－", "＠") as its ASCII twin, so
    the first visible character is compared in its NFKC form.
    """
    if not value:
        return ""
    first = value[0]
    if first in _FORMULA_START:
        return "'" + value
    if "!" <= first <= "~":  # printable ASCII that is not a sign: the common case, decided
        return value
    hidden = _INVISIBLE_START.match(value)
    visible = value[hidden.end() :] if hidden else value
    if visible and unicodedata.normalize("NFKC", visible[0])[:1] in _FORMULA_START:
        return "'" + value
    return value


def xml_safe(value: str) -> str:
    """Drop the characters an XLSX file cannot hold: one "\\x07" typed in a business
    name must not make the whole export fail."""
    return _NOT_IN_XML.sub("", value)


def lima_time(value: dt.datetime | None) -> dt.datetime | None:
    """A naive Lima-time datetime: what Excel shows staff, who work in Peru."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LIMA).replace(tzinfo=None)


def lima_text(value: dt.datetime | None) -> str:
    """ "2026-11-26 21:05" in Lima time, for CSV; fast because exports format many dates."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LIMA).isoformat(" ", "minutes")[:16]
