"""Quiet hours: no announcement reaches a phone at night, Lima time.

A range may cross midnight (21:00–08:00, the default): then "quiet" is after
the start or before the end. A range whose start equals its end is empty
(never quiet) rather than the whole day, so a typo cannot stop every campaign.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")

QuietHours = tuple[dt.time, dt.time]


def is_quiet(moment: dt.datetime, quiet: QuietHours | None) -> bool:
    return quiet_until(moment, quiet) is not None


def quiet_until(moment: dt.datetime, quiet: QuietHours | None) -> dt.datetime | None:
    """When the quiet period containing `moment` ends (aware UTC), or None if not quiet."""
    if quiet is None:
        return None
    start, end = quiet
    if start == end:
        return None
    local = moment.astimezone(LIMA)
    now = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    inside = (now >= start or now < end) if crosses_midnight else (start <= now < end)
    if not inside:
        return None
    day = local.date()
    if now >= end:  # after today's end: the period ends tomorrow
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=LIMA).astimezone(dt.UTC)


def lima_time(moment: dt.datetime) -> str:
    """HH:MM in Lima, for messages to staff."""
    return moment.astimezone(LIMA).strftime("%H:%M")


def lima_datetime(moment: dt.datetime) -> str:
    """AAAA-MM-DD HH:MM in Lima, for lists and reports."""
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LIMA).strftime("%Y-%m-%d %H:%M")
