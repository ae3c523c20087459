"""The filters staff type after /exportar ("desde=01/12/2026 estado=nuevo región=Ica").

Read leniently (day first, as in Peru; a region by any of its names) and
refused with a reason in Spanish, so staff can correct them in the chat.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from bot import phrases
from bot.dialogue.turn import Turn
from bot.storage.lead_statuses import LEAD_STATUSES
from bot.storage.leads import LeadFilter

FILTER_NAMES = {
    "desde": "since",
    "hasta": "until",
    "estado": "status",
    "region": "region",
    "región": "region",
    "cite": "cite",
}
_FILTER_KEY = re.compile(r"(?:^|\s)(desde|hasta|estado|regi[oó]n|cite)\s*=", re.IGNORECASE)


class FilterProblem(ValueError):
    """A filter staff typed that the bot cannot use; the message says why, in Spanish."""


def parse_date(value: str) -> dt.date:
    """01/12/2026, 1/12/2026, 01-12-2026 (day first, as in Peru) or 2026-12-01."""
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if text.isascii():
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise FilterProblem(phrases.EXPORT_BAD_DATE.format(value=text[:40]))


def parse_filters(payload: str, places: Callable[[str], str | None] | None = None) -> LeadFilter:
    """`desde=01/12/2026 estado=nuevo region=La Libertad cite=x`.

    A value runs until the next `clave=`, so a region may have spaces; `places`
    turns a region's name into its id. Raises FilterProblem with what is wrong.
    """
    text = payload.strip()
    keys = list(_FILTER_KEY.finditer(text))
    if text and (not keys or text[: keys[0].start()].strip()):
        raise FilterProblem(phrases.EXPORT_HOW)
    values: dict[str, Any] = {}
    for index, key in enumerate(keys):
        stop = keys[index + 1].start() if index + 1 < len(keys) else len(text)
        value = text[key.end() : stop].strip()
        field = FILTER_NAMES[key.group(1).lower()]
        if not value:
            raise FilterProblem(phrases.EXPORT_HOW)
        if field in {"since", "until"}:
            values[field] = parse_date(value)
        elif field == "status":
            status = value.lower().replace(" ", "_")
            if status not in LEAD_STATUSES:
                raise FilterProblem(
                    phrases.EXPORT_BAD_STATUS.format(
                        value=value[:40], statuses=", ".join(LEAD_STATUSES)
                    )
                )
            values[field] = status
        elif field == "region":
            region = places(value) if places is not None else value.lower()
            if region is None:
                raise FilterProblem(phrases.EXPORT_BAD_REGION.format(value=value[:60]))
            values[field] = region
        else:
            values[field] = value.lower()
    return LeadFilter(**values)


def describe_filters(filters: LeadFilter, turn: Turn) -> str:
    """What the bot understood, in words, for an export that matched nothing."""
    kb = turn.core.kb
    parts = []
    if filters.since:
        parts.append(phrases.EXPORT_FILTER_SINCE.format(date=f"{filters.since:%d/%m/%Y}"))
    if filters.until:
        parts.append(phrases.EXPORT_FILTER_UNTIL.format(date=f"{filters.until:%d/%m/%Y}"))
    if filters.status:
        parts.append(phrases.EXPORT_FILTER_STATUS.format(status=filters.status))
    if filters.region:
        region = kb.regions.get(filters.region)
        parts.append(
            phrases.EXPORT_FILTER_REGION.format(region=region.name if region else filters.region)
        )
    if filters.cite:
        cite = kb.cites.get(filters.cite)
        parts.append(
            phrases.EXPORT_FILTER_CITE.format(cite=cite.short_name if cite else filters.cite)
        )
    return ", ".join(parts) or "sin filtros"
