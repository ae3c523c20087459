"""Staff tools inside the chat: lead counts, exports and follow-up status.

Only users in ADMIN_IDS may use them; everyone else gets the same polite
refusal, whatever the command or button.
"""

from __future__ import annotations

import datetime as dt
import io

from bot import texts
from bot.dialogue import callbacks as cb
from bot.dialogue.model import Document, Reply
from bot.dialogue.turn import Turn
from bot.exports.leads import export_leads_xlsx
from bot.storage.db import Database
from bot.storage.leads import LeadFilter, count_by, set_status
from bot.storage.models import LEAD_STATUSES, Lead

COMMANDS = frozenset({"leads", "exportar", "recargar", "anunciar"})


def parse_filters(payload: str) -> LeadFilter | None:
    """`desde=2026-01-01 estado=nuevo region=arequipa cite=x`; None when malformed."""
    values: dict[str, object] = {}
    names = {
        "desde": "since",
        "hasta": "until",
        "estado": "status",
        "region": "region",
        "cite": "cite",
    }
    for part in payload.split():
        key, sep, value = part.partition("=")
        if not sep or key.lower() not in names or not value:
            return None
        field = names[key.lower()]
        if field in {"since", "until"}:
            try:
                values[field] = dt.date.fromisoformat(value)
            except ValueError:
                return None
        elif field == "status" and value not in LEAD_STATUSES:
            return None
        else:
            values[field] = value.lower()
    return LeadFilter(**values)  # type: ignore[arg-type]


async def summary(turn: Turn) -> None:
    kb = turn.core.kb
    session = await turn.transaction()
    by_status = await count_by(session, "status")
    total = sum(count for _, count in by_status)
    if total == 0:
        turn.say(Reply(texts.LEADS_NONE))
        return
    by_region = await count_by(session, "region")
    by_cite = await count_by(session, "cite_id")

    def label(table: dict, key: str | None) -> str:  # type: ignore[type-arg]
        if key is None:
            return "sin dato"
        item = table.get(key)
        return getattr(item, "short_name", None) or getattr(item, "name", None) or key

    lines = [texts.LEADS_SUMMARY_TITLE.format(total=total), texts.LEADS_BY_STATUS]
    lines += [f"  {status}: {count}" for status, count in by_status]
    lines.append(texts.LEADS_BY_REGION)
    lines += [f"  {label(kb.regions, region)}: {count}" for region, count in by_region]
    lines.append(texts.LEADS_BY_CITE)
    lines += [f"  {label(kb.cites, cite)}: {count}" for cite, count in by_cite]
    turn.say(Reply("\n".join(lines)))


async def export(turn: Turn, db: Database, payload: str) -> None:
    filters = parse_filters(payload)
    if filters is None:
        turn.say(Reply(texts.EXPORT_USAGE))
        return
    buffer = io.BytesIO()
    count = await export_leads_xlsx(db, buffer, filters, turn.core.kb)
    name = f"interesados_{dt.date.today():%Y%m%d}.xlsx"
    turn.say(
        Reply(
            "", document=Document(name, buffer.getvalue(), texts.EXPORT_CAPTION.format(count=count))
        )
    )


async def status_button(turn: Turn, data: cb.Callback) -> None:
    status = data.arg(1)
    lead_id = cb.number(data.arg(0))
    if lead_id is None or status not in LEAD_STATUSES:
        turn.say(Reply(texts.STALE_BUTTON))
        return
    lead: Lead | None = await set_status(await turn.transaction(), lead_id, status)
    if lead is None:
        turn.say(Reply("", notice=texts.STAFF_LEAD_MISSING))
        return
    turn.say(Reply(texts.STAFF_STATUS_CHANGED.format(reference=lead.reference, status=status)))
