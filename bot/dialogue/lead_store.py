"""A lead written, and staff told: the last step of lead capture (lead_capture.py).

The lead and the staff notice (the outbox) are stored in the turn's one
transaction, so the owner's confirmation is never sent for a lead that was not
committed, and staff hear of every lead that was.
"""

from __future__ import annotations

import datetime as dt

from bot import phrases
from bot.dialogue import keyboards
from bot.dialogue.model import Reply
from bot.dialogue.turn import Turn
from bot.storage.leads import LeadDraft, save_lead


async def store_lead(turn: Turn) -> None:
    lead = turn.data["lead"]
    kb = turn.core.kb
    draft = LeadDraft(
        user_id=turn.user.id,
        topic_kind=lead["kind"],
        topic=lead["topic"],
        topic_label=lead["label"],
        phone=lead["phone"],
        consent_at=dt.datetime.fromisoformat(lead["consent_at"]),
        consent_version=phrases.CONSENT_VERSION,
        contact_name=lead.get("name"),
        business_name=lead.get("business"),
        ruc=lead.get("ruc"),
        sector=lead.get("sector"),
        region=lead.get("region"),
        cite_id=lead.get("cite"),
        source=turn.user.source,
    )
    stored, created = await save_lead(await turn.transaction(), draft)
    profile = {k: v for k, v in (("region", draft.region), ("sector", draft.sector)) if v}
    if profile:
        turn.update_user(**profile)
    turn.reset()
    turn.say(
        Reply(
            phrases.LEAD_CONFIRMED.format(
                topic=draft.topic_label, reference=stored.reference, phone=draft.phone
            ),
            remove_keyboard=True,
        )
    )
    if created:
        await turn.notify_staff(
            Reply(
                phrases.STAFF_NEW_LEAD.format(
                    reference=stored.reference,
                    topic=draft.topic_label,
                    region=kb.regions[draft.region].name if draft.region in kb.regions else "—",
                    sector=kb.sectors[draft.sector].name if draft.sector in kb.sectors else "—",
                    name=draft.contact_name or "—",
                    phone=draft.phone,
                    business=draft.business_name or "—",
                    ruc=draft.ruc or "—",
                    source=draft.source or "—",
                ),
                buttons=keyboards.lead_status_buttons(stored.id or 0),
            ),
            lead_id=stored.id,
        )
