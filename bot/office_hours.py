"""When a person of the team answers: office days and hours in Lima time.

`OFFICE_HOURS` reads like a sign on a door, "lun-vie 08:30-17:30"; the bot says
when someone will answer from this, never from a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
DAYS = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")
DAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_ACCENTS = str.maketrans("áéíóú", "aeiou")


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int]  # 0 = Monday
    start: dt.time
    end: dt.time

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(LIMA)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """The next moment the office opens after `at` (Lima time)."""
        local = at.astimezone(LIMA)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            opening = dt.datetime.combine(day, self.start, tzinfo=LIMA)
            if day.weekday() in self.days and opening > local:
                return opening
        return local  # no day in the week: unreachable, the parser refuses it

    def describe(self) -> str:
        """ "de lunes a viernes, de 08:30 a 17:30" """
        ordered = sorted(self.days)
        if len(ordered) == 7:
            days = "todos los días"
        elif ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
            days = f"de {DAY_NAMES[ordered[0]]} a {DAY_NAMES[ordered[-1]]}"
        else:
            days = "los " + ", ".join(DAY_NAMES[d] for d in ordered)
        return f"{days}, de {self.start:%H:%M} a {self.end:%H:%M}"


def when(opening: dt.datetime, now: dt.datetime) -> str:
    """ "hoy a las 08:30", "mañana a las 08:30", "el lunes 07/12 a las 08:30" """
    local_now = now.astimezone(LIMA).date()
    days = (opening.date() - local_now).days
    time = f"{opening:%H:%M}"
    if days == 0:
        return f"hoy a las {time}"
    if days == 1:
        return f"mañana a las {time}"
    return f"el {DAY_NAMES[opening.weekday()]} {opening:%d/%m} a las {time}"


def parse_office_hours(value: str) -> OfficeHours | None:
    """ "lun-vie 08:30-17:30", "lun-sab 09:00-13:00", "08:00-18:00" (every day); "" = always."""
    text = value.strip().lower().translate(_ACCENTS)
    if text in {"", "none", "no", "off"}:
        return None
    match = re.fullmatch(
        r"(?:([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text
    )
    if not match:
        raise ValueError("bad office hours")
    first, last, h1, m1, h2, m2 = match.groups()
    if first is None:
        days = frozenset(range(7))
    else:
        if first not in DAYS or (last is not None and last not in DAYS):
            raise ValueError("bad day")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days = frozenset(range(a, b + 1)) if a <= b else frozenset([*range(a, 7), *range(b + 1)])
    start, end = dt.time(int(h1), int(m1)), dt.time(int(h2), int(m2))
    if start >= end:
        raise ValueError("empty range")
    return OfficeHours(days, start, end)
