"""Staff tools inside the chat: lead counts, exports, follow-up status, the knowledge reload.

Only users in ADMIN_IDS may use them; everyone else gets the same polite
refusal, whatever the command or button (the router checks, from FLOW).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Awaitable, Callable, Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, keyboards
from bot.dialogue.flow import ButtonStep, Call, Flow, Services
from bot.dialogue.lead_filters import FilterProblem, describe_filters, parse_filters
from bot.dialogue.model import Button, Document, Reply, StaffEdit
from bot.dialogue.turn import Turn
from bot.exports.leads import export_leads_xlsx
from bot.knowledge.loader import KnowledgeBase
from bot.language.normalize import normalize
from bot.office_hours import LIMA
from bot.storage.app_state import request_knowledge_reload
from bot.storage.db import Database
from bot.storage.lead_statuses import LEAD_STATUSES
from bot.storage.leads import (
    LeadFilter,
    assign,
    cards_of,
    count_by,
    lead_by_reference,
    lead_history,
    open_leads_page,
    record_event,
    set_status,
)
from bot.storage.models import Lead, LeadEvent, utcnow

LEADS_PER_PAGE = 5


async def summary(turn: Turn) -> None:
    kb = turn.core.kb
    session = await turn.transaction()
    by_status = await count_by(session, "status")
    total = sum(count for _, count in by_status)
    if total == 0:
        turn.say(Reply(phrases.LEADS_NONE))
        return
    by_region = await count_by(session, "region")
    by_cite = await count_by(session, "cite_id")

    def label(table: Mapping[str, object], key: str | None) -> str:
        if key is None:
            return "sin dato"
        item = table.get(key)
        return getattr(item, "short_name", None) or getattr(item, "name", None) or key

    lines = [phrases.LEADS_SUMMARY_TITLE.format(total=total), phrases.LEADS_BY_STATUS]
    lines += [f"  {status}: {count}" for status, count in by_status]
    lines.append(phrases.LEADS_BY_REGION)
    lines += [f"  {label(kb.regions, region)}: {count}" for region, count in by_region]
    lines.append(phrases.LEADS_BY_CITE)
    lines += [f"  {label(kb.cites, cite)}: {count}" for cite, count in by_cite]
    turn.say(Reply("\n".join(lines)))


async def export(turn: Turn, db: Database, payload: str) -> None:
    try:
        filters = parse_filters(payload, _region_of(turn))
    except FilterProblem as problem:
        why = str(problem)
        turn.say(Reply(why if why == phrases.EXPORT_HOW else f"{why}\n{phrases.EXPORT_HOW}"))
        return
    buffer = io.BytesIO()
    count = await export_leads_xlsx(db, buffer, filters, turn.core.kb)
    if count == 0 and filters != LeadFilter():
        turn.say(Reply(phrases.EXPORT_UNDERSTOOD.format(filters=describe_filters(filters, turn))))
        return
    name = f"interesados_{dt.date.today():%Y%m%d}.xlsx"
    turn.say(
        Reply(
            "",
            document=Document(name, buffer.getvalue(), phrases.EXPORT_CAPTION.format(count=count)),
        )
    )


def _region_of(turn: Turn) -> Callable[[str], str | None]:
    kb = turn.core.kb
    by_name = {normalize(r.name): r.id for r in kb.regions.values()}

    def region(value: str) -> str | None:
        key = normalize(value)
        if key in by_name or key.replace(" ", "-") in kb.regions:
            return by_name.get(key) or key.replace(" ", "-")
        return turn.core.matcher.places.lookup(value)

    return region


def _who(turn: Turn) -> str:
    return (turn.names[0] if turn.names else "")[:64] or phrases.STAFF_SOMEONE


def _when(at: dt.datetime) -> str:
    return at.astimezone(LIMA).strftime("%d/%m %H:%M")


def lead_card(lead: Lead, kb: KnowledgeBase, history: list[LeadEvent]) -> Reply:
    """The staff card of a lead as it stands: data, status (who, when), owner, notes, history."""
    lines = [
        phrases.STAFF_NEW_LEAD.format(
            reference=lead.reference,
            topic=lead.topic_label,
            region=kb.regions[lead.region].name if lead.region in kb.regions else "—",
            sector=kb.sectors[lead.sector].name if lead.sector in kb.sectors else "—",
            name=lead.contact_name or "—",
            phone=lead.phone or "—",
            business=lead.business_name or "—",
            ruc=lead.ruc or "—",
            source=lead.source or "—",
        )
    ]
    changes = [e for e in history if e.kind == "status"]
    if changes:
        last = changes[-1]
        lines.append(
            phrases.STAFF_CARD_STATUS.format(
                status=lead.status, by=last.by_name or "—", when=_when(last.created_at)
            )
        )
    if lead.assigned_name:
        lines.append(phrases.STAFF_CARD_ASSIGNED.format(name=lead.assigned_name))
    notes = [e for e in history if e.kind == "note"][-3:]
    if notes:
        lines.append(phrases.STAFF_CARD_NOTES)
        lines += [
            phrases.STAFF_CARD_NOTE.format(
                when=_when(e.created_at), by=e.by_name or "—", note=(e.note or "")[:300]
            )
            for e in notes
        ]
    events = [e for e in history if e.kind in {"status", "assigned"}][-5:]
    if events:
        lines.append(phrases.STAFF_CARD_HISTORY)
        for e in events:
            template = (
                phrases.STAFF_CARD_EVENT_STATUS
                if e.kind == "status"
                else phrases.STAFF_CARD_EVENT_ASSIGNED
            )
            lines.append(
                template.format(when=_when(e.created_at), by=e.by_name or "—", status=e.status)
            )
    return Reply("\n".join(lines), buttons=keyboards.lead_status_buttons(lead.id or 0))


async def _refresh_cards(turn: Turn, lead: Lead) -> None:
    """Edit every staff-chat card of this lead in place, so all see the change."""
    session = await turn.transaction()
    card = lead_card(lead, turn.core.kb, await lead_history(session, lead.id or 0))
    turn.outcome.staff_edits += [
        StaffEdit(chat_id, message_id, card.text, card.buttons)
        for chat_id, message_id in await cards_of(session, lead.id or 0)
    ]


async def status_button(turn: Turn, data: cb.Callback) -> None:
    status = data.arg(1)
    lead_id = cb.number(data.arg(0))
    if lead_id is None or status not in LEAD_STATUSES:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    session = await turn.transaction()
    lead: Lead | None = await set_status(session, lead_id, status)
    if lead is None or lead.anonymized:
        turn.say(Reply("", notice=phrases.STAFF_LEAD_MISSING))
        return
    record_event(session, lead_id, "status", turn.user.id, _who(turn), status=status)
    await session.flush()
    await _refresh_cards(turn, lead)
    turn.say(
        Reply(
            "", notice=phrases.STAFF_STATUS_CHANGED.format(reference=lead.reference, status=status)
        )
    )


async def _button_lead(turn: Turn, data: cb.Callback) -> tuple[AsyncSession, Lead] | None:
    """The live lead a button names, with the turn's session; or None, having said it is gone."""
    lead_id = cb.number(data.arg(0))
    session = await turn.transaction()
    lead = await session.get(Lead, lead_id) if lead_id is not None else None
    if lead is None or lead.anonymized:
        turn.say(Reply("", notice=phrases.STAFF_LEAD_MISSING))
        return None
    return session, lead


async def take_button(turn: Turn, data: cb.Callback) -> None:
    """ "Lo tomo yo": the lead is this staff member's to follow up."""
    found = await _button_lead(turn, data)
    if found is None:
        return
    session, lead = found
    if lead.assigned_id is not None and lead.assigned_id != turn.user.id:
        turn.say(
            Reply(
                "",
                notice=phrases.STAFF_LEAD_TAKEN_ALREADY.format(
                    reference=lead.reference, name=lead.assigned_name or "—"
                ),
            )
        )
        return
    await assign(session, lead.id or 0, turn.user.id, _who(turn))
    record_event(session, lead.id or 0, "assigned", turn.user.id, _who(turn))
    await session.flush()
    await _refresh_cards(turn, lead)
    turn.say(Reply("", notice=phrases.STAFF_LEAD_TAKEN.format(reference=lead.reference)))


async def open_leads(turn: Turn, page: int) -> None:
    """/leads: the counts, then the open leads newest first with a button each, paged."""
    session = await turn.transaction()
    kb = turn.core.kb
    leads, total = await open_leads_page(session, page, LEADS_PER_PAGE)
    pages = max(1, -(-total // LEADS_PER_PAGE))
    if not leads:
        turn.say(Reply(phrases.STAFF_LEADS_OPEN_NONE))
        return
    lines = [phrases.STAFF_LEADS_OPEN.format(page=page + 1, pages=pages)]
    for lead in leads:
        assigned = (
            phrases.STAFF_LEADS_LINE_ASSIGNED.format(name=lead.assigned_name)
            if lead.assigned_name
            else ""
        )
        lines.append(
            phrases.STAFF_LEADS_LINE.format(
                reference=lead.reference,
                topic=lead.topic_label[:60],
                region=kb.regions[lead.region].name if lead.region in kb.regions else "—",
                status=lead.status,
                assigned=assigned,
            )
        )
    rows = [[Button(lead.reference, cb.encode(codes.LEAD_VIEW, lead.id or 0))] for lead in leads]
    nav = []
    if page > 0:
        nav.append(Button(phrases.BUTTON_PREV, cb.encode(codes.LEAD_PAGE, page - 1)))
    if page < pages - 1:
        nav.append(Button(phrases.BUTTON_NEXT, cb.encode(codes.LEAD_PAGE, page + 1)))
    if nav:
        rows.append(nav)
    turn.say(Reply("\n".join(lines), buttons=rows))


async def page_button(turn: Turn, data: cb.Callback) -> None:
    page = cb.number(data.arg(0))
    if page is None:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    await open_leads(turn, page)


async def show_button(turn: Turn, data: cb.Callback) -> None:
    """A lead of the list: its card, with its buttons (in a private chat or the staff chat)."""
    found = await _button_lead(turn, data)
    if found is None:
        return
    session, lead = found
    turn.say(lead_card(lead, turn.core.kb, await lead_history(session, lead.id or 0)))


async def note(turn: Turn, payload: str) -> None:
    """/nota L-ABC123 texto: a note in the lead's history, shown on its card."""
    reference, _, text = payload.strip().partition(" ")
    if not reference or not text.strip():
        turn.say(Reply(phrases.STAFF_NOTE_USAGE))
        return
    session = await turn.transaction()
    lead = await lead_by_reference(session, reference)
    if lead is None or lead.anonymized:
        turn.say(Reply(phrases.STAFF_NOTE_UNKNOWN.format(reference=reference[:20])))
        return
    record_event(session, lead.id or 0, "note", turn.user.id, _who(turn), note=text.strip()[:2000])
    await session.flush()
    await _refresh_cards(turn, lead)
    turn.say(Reply(phrases.STAFF_NOTE_SAVED.format(reference=lead.reference)))


async def reload(turn: Turn, services: Services) -> None:
    """Load the knowledge again here, and ask the other replicas to follow."""
    if services.reload_knowledge is None:
        turn.say(Reply(phrases.RELOAD_UNAVAILABLE))
        return
    at = utcnow()
    problems = services.reload_knowledge(at)
    if problems:
        shown = "\n".join(f"• {p}" for p in problems[:10])
        turn.say(Reply(phrases.RELOAD_REFUSED.format(count=len(problems), problems=shown)))
        return
    await request_knowledge_reload(await turn.transaction(), at)
    kb = services.core().kb
    turn.say(Reply(phrases.RELOADED.format(entries=len(kb.entries), digest=kb.digest)))


# -- what the flow answers --------------------------------------------------------------------


async def leads_command(call: Call) -> None:
    await summary(call.turn)
    await open_leads(call.turn, 0)


async def note_command(call: Call) -> None:
    await note(call.turn, call.event.payload)


async def reload_command(call: Call) -> None:
    await reload(call.turn, call.services)


async def export_command(call: Call) -> None:
    await export(call.turn, call.services.db, call.event.payload)


def _button(step: Callable[[Turn, cb.Callback], Awaitable[None]]) -> ButtonStep:
    async def pressed(call: Call) -> bool:
        await step(call.turn, call.data)
        return True

    return pressed


FLOW = Flow(
    name="staff",
    commands={
        "leads": leads_command,
        "nota": note_command,
        "recargar": reload_command,
        "exportar": export_command,
    },
    buttons={
        codes.LEAD_STATUS: _button(status_button),
        codes.LEAD_TAKE: _button(take_button),
        codes.LEAD_PAGE: _button(page_button),
        codes.LEAD_VIEW: _button(show_button),
    },
    staff_only=True,
)
