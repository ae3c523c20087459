"""Cell values that are safe to open in a spreadsheet."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str:
    """Neutralise spreadsheet formula injection: a leading quote makes it literal text."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


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
