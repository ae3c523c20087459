"""Where a person's data is erased, in every table (Ley 29733's right to cancellation).

One function per request, run in the caller's transaction, so either all of
it happens or none of it does:

- users, conversations, question_log, feedback: the person's rows are deleted.
- leads: kept for the counts staff report on, with nothing personal left:
  no user id, name, phone, business, RUC or notes, and a topic that was the
  person's own words (a question) is replaced by a neutral label.
- staff_messages: the staff-chat messages that showed those leads are returned
  for the adapter to rewrite, and their rows deleted.
- staff_notices: those not yet sent say only that the data was deleted (sent
  ones kept no text).
- deliveries: not yet sent are deleted (no announcement reaches someone who
  left); already sent lose the user id, so a campaign's report does not change.
- handoffs, handoff_messages, kb_suggestions: the person's rows are deleted; the
  forum topics named after them are returned for the adapter to delete (with
  everything relayed in them), and in a staff chat without topics the relayed
  copies and header cards, one by one.
- lead_events: deleted with the person's leads' notes (who changed what stays
  nowhere once the lead is anonymous).
- review_items: no user id and only redacted text, counted over everyone's
  questions; a pending cluster led by one of the person's own wordings is
  dropped (it reappears, without them, if others ask the same). Decided ones
  are the curators' content and stay.
- processed_updates, campaigns, app_state hold nothing about the person.

tests/storage/test_erasure.py walks every table and text column by reflection after
an erasure, so a table added later without a rule here fails that test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.language.normalize import normalize
from bot.storage.models import (
    Conversation,
    Delivery,
    Feedback,
    Handoff,
    HandoffMessage,
    KnowledgeSuggestion,
    Lead,
    LeadEvent,
    QuestionLog,
    StaffMessage,
    User,
    known,
    utcnow,
)
from bot.storage.outbox import rewrite_pending
from bot.storage.review import forget_pending_wordings

UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class ShownToStaff:
    """A staff-chat message to rewrite: it showed the lead `reference`."""

    chat_id: int
    message_id: int
    reference: str


@dataclass
class Erasure:
    """What one erasure removed, for the confirmation and the staff-chat edits."""

    leads: int = 0
    questions: int = 0
    staff_messages: list[ShownToStaff] = field(default_factory=list)
    topics: list[tuple[int, int]] = field(default_factory=list)  # (chat id, thread id)
    relayed: list[tuple[int, int]] = field(default_factory=list)  # (chat id, message id)

    @property
    def anything(self) -> bool:
        return bool(self.leads or self.questions or self.staff_messages)


async def anonymise_leads(session: AsyncSession, lead_ids: list[int], erased_topic: str) -> None:
    """Leave only what staff count: topic kind, CITE, sector, region, status and dates."""
    if not lead_ids:
        return
    is_question = col(Lead.topic_kind) == "question"
    await session.exec(
        update(Lead)
        .where(col(Lead.id).in_(lead_ids))
        .values(
            user_id=None,
            contact_name=None,
            phone=None,
            business_name=None,
            ruc=None,
            notes=None,
            # An entry or CITE id is the bot's, not the person's; a question is their words.
            topic=case((is_question, erased_topic), else_=col(Lead.topic)),
            topic_label=case((is_question, erased_topic), else_=col(Lead.topic_label)),
            anonymized=True,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


async def erase_person(
    session: AsyncSession, user_id: int, erased_topic: str, erased_card: str
) -> Erasure:
    """Remove or anonymise every row that holds this person's data.

    `erased_card` (with `{reference}`) replaces the staff cards that showed a lead.
    """
    leads = (
        await session.exec(
            select(col(Lead.id), col(Lead.reference)).where(col(Lead.user_id) == user_id)
        )
    ).all()
    references = {known(lead_id, "leads.id"): reference for lead_id, reference in leads}
    lead_ids = list(references)
    result = Erasure(leads=len(lead_ids))
    if lead_ids:
        shown = (
            await session.exec(
                select(
                    col(StaffMessage.lead_id),
                    col(StaffMessage.chat_id),
                    col(StaffMessage.message_id),
                )
                .where(col(StaffMessage.lead_id).in_(lead_ids))
                .order_by(col(StaffMessage.id))
            )
        ).all()
        result.staff_messages = [
            ShownToStaff(int(chat), int(message), references[int(lead)])
            for lead, chat, message in shown
        ]
        await session.exec(delete(StaffMessage).where(col(StaffMessage.lead_id).in_(lead_ids)))
        await rewrite_pending(
            session,
            {lead_id: erased_card.format(reference=ref) for lead_id, ref in references.items()},
        )
        await anonymise_leads(session, lead_ids, erased_topic)
        await session.exec(delete(LeadEvent).where(col(LeadEvent.lead_id).in_(lead_ids)))

    topics = (
        await session.exec(
            select(col(Handoff.chat_id), col(Handoff.thread_id))
            .where(col(Handoff.user_id) == user_id, col(Handoff.thread_id).is_not(None))
            .distinct()
        )
    ).all()
    result.topics = [(chat, known(thread, "handoffs.thread_id")) for chat, thread in topics]
    relayed = (
        await session.exec(
            select(col(HandoffMessage.staff_chat_id), col(HandoffMessage.staff_message_id))
            .join(Handoff, col(Handoff.id) == col(HandoffMessage.handoff_id))
            .where(
                col(HandoffMessage.user_id) == user_id,
                col(Handoff.thread_id).is_(None),
                col(HandoffMessage.direction).in_(("in", "header")),
                col(HandoffMessage.staff_message_id).is_not(None),
            )
        )
    ).all()
    result.relayed = [
        (known(chat, "staff_chat_id"), known(message, "staff_message_id"))
        for chat, message in relayed
    ]

    asked = await session.exec(
        select(col(QuestionLog.question)).where(col(QuestionLog.user_id) == user_id)
    )
    wordings = {normalize(q)[:300] for q in asked.all()}
    suggested = await session.exec(
        select(col(KnowledgeSuggestion.question)).where(col(KnowledgeSuggestion.user_id) == user_id)
    )
    wordings |= {normalize(q)[:300] for q in suggested.all()}  # queued from a handoff
    await forget_pending_wordings(session, wordings)
    questions = await session.exec(delete(QuestionLog).where(col(QuestionLog.user_id) == user_id))
    result.questions = int(questions.rowcount or 0)
    mine = col(Delivery.user_id) == user_id
    await session.exec(delete(Delivery).where(mine, col(Delivery.status).in_(UNSENT)))
    await session.exec(
        update(Delivery)
        .where(mine)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    for table, column in (
        (HandoffMessage, HandoffMessage.user_id),
        (Handoff, Handoff.user_id),
        (KnowledgeSuggestion, KnowledgeSuggestion.user_id),
        (Feedback, Feedback.user_id),
        (Conversation, Conversation.user_id),
        (User, User.id),
    ):
        await session.exec(delete(table).where(col(column) == user_id))
    return result
