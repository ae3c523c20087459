"""The database tables (SQLModel), one class per table.

Telegram ids exceed 32 bits, so they are BigInteger; every timestamp is stored
timezone-aware in UTC and shown in America/Lima by the adapters.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

from sqlalchemy import BigInteger, Column, DateTime, Index, Table, Text, inspect, text
from sqlmodel import Field, SQLModel

T = TypeVar("T")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model, for statements that skip the ORM.

    SQLModel sets `Model.__table__` but does not declare it for type checkers;
    the mapper holds the same Table.
    """
    table = inspect(model).local_table
    assert isinstance(table, Table), model
    return table


def known(value: T | None, what: str) -> T:
    """A value the schema guarantees (a primary key read back, a flushed row's id).

    None here is a bug (say, a row used before it was flushed): fail loudly rather
    than store a made-up 0.
    """
    if value is None:
        raise ValueError(f"{what} is None")
    return value


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The id of a row that was read from the database or flushed."""
    return known(row.id, f"{type(row).__name__}.id (not flushed yet?)")


def _ts(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class User(SQLModel, table=True):
    """Someone who talked to the bot; the id is the Telegram user id.

    No name or phone here: those are kept only in a lead, with consent.
    """

    __tablename__ = "users"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    source: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=64)
    sector: str | None = Field(default=None, max_length=64)
    subscribed: bool = Field(default=False, index=True)
    blocked: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class Conversation(SQLModel, table=True):
    """Where a user is in a flow, so any replica can continue it after a restart."""

    __tablename__ = "conversations"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(default="idle", max_length=32)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class ProcessedUpdate(SQLModel, table=True):
    """Update ids already handled: the same update delivered twice acts once."""

    __tablename__ = "processed_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))


class QuestionLog(SQLModel, table=True):
    """Each question and how it was answered, so curators see what is missing."""

    __tablename__ = "question_log"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    question: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=16, index=True)
    entry_id: str | None = Field(default=None, max_length=96)
    score: float | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))


class Feedback(SQLModel, table=True):
    """A thumbs up or down under an answer."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    entry_id: str = Field(max_length=96, index=True)
    useful: bool
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class Lead(SQLModel, table=True):
    """Someone's consented interest in a topic, for staff to follow up.

    After the person deletes their data the row stays, anonymised, so the
    counts staff report on do not change.
    """

    __tablename__ = "leads"
    __table_args__ = (
        # One open lead per user and topic (enforced by the database as well).
        Index(
            "ux_leads_open_topic",
            "user_id",
            "topic_kind",
            "topic",
            unique=True,
            sqlite_where=text("status IN ('nuevo', 'contactado', 'en_proceso')"),
            postgresql_where=text("status IN ('nuevo', 'contactado', 'en_proceso')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    contact_name: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    business_name: str | None = Field(default=None, max_length=160)
    ruc: str | None = Field(default=None, max_length=11)
    sector: str | None = Field(default=None, max_length=64, index=True)
    region: str | None = Field(default=None, max_length=64, index=True)
    topic_kind: str = Field(max_length=16)  # entry | cite | question
    topic: str = Field(max_length=300)
    topic_label: str = Field(max_length=300)
    cite_id: str | None = Field(default=None, max_length=64, index=True)
    source: str | None = Field(default=None, max_length=64)
    status: str = Field(default="nuevo", max_length=16, index=True)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    assigned_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # "Lo tomo yo"
    assigned_name: str | None = Field(default=None, max_length=64)
    consent_at: dt.datetime = Field(sa_column=_ts())
    consent_version: str = Field(max_length=32)
    anonymized: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


CAMPAIGN_STATUSES = ("running", "paused", "cancelled", "done")
DELIVERY_STATUSES = ("pending", "sending", "sent", "blocked", "failed", "unknown")


class Campaign(SQLModel, table=True):
    """An announcement to a segment of subscribers, worked by one replica at a time."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    photo: str | None = Field(default=None, max_length=256)  # Telegram file_id
    region: str | None = Field(default=None, max_length=64)
    sector: str | None = Field(default=None, max_length=64)
    status: str = Field(default="running", max_length=16, index=True)
    # The preview it was confirmed from: a second tap on "Enviar", on any replica, finds
    # this campaign instead of creating another.
    preview_key: str | None = Field(default=None, max_length=32, unique=True)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    total: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    finished_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Delivery(SQLModel, table=True):
    """One recipient of one campaign: the row that makes "exactly once" checkable."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ux_deliveries_campaign_user", "campaign_id", "user_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    # NULL once the recipient erased their data: the campaign's counts survive them.
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default="pending", max_length=16, index=True)
    reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class StaffMessage(SQLModel, table=True):
    """A message in the staff chat that shows a lead's personal data.

    Kept so that erasing the person's data also rewrites what staff were shown.
    """

    __tablename__ = "staff_messages"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="leads.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class StaffNotice(SQLModel, table=True):
    """A message for the staff chat, written in the same transaction as what it announces.

    The transactional outbox: a worker on any replica sends it, retrying until
    Telegram accepts it, so a lead is never stored without staff hearing of it.
    Once sent, its text is cleared: the staff chat holds it, and erasure edits it there.
    """

    __tablename__ = "staff_notices"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="leads.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    buttons: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON rows
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    sent_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The forum topic it goes to (a handoff reminder), or None for the chat itself.
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))


class AppState(SQLModel, table=True):
    """Small shared facts every replica must agree on (e.g. when knowledge was reloaded)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


HANDOFF_OPEN = "open"
HANDOFF_CLOSED = "closed"


class Handoff(SQLModel, table=True):
    """An owner talking to a person through the staff chat (one open per owner).

    `thread_id` is the owner's forum topic in the staff supergroup, reused by the
    owner's later handoffs; None when the staff chat is not a forum (replies to the
    bot's copies are relayed instead). Everything lives here, so any replica relays
    and a restart loses nothing.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "ux_handoffs_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_handoffs_chat_thread", "chat_id", "thread_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    status: str = Field(default=HANDOFF_OPEN, max_length=16, index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    topic_name: str = Field(default="", max_length=128)
    owner_name: str = Field(default="", max_length=64)  # the owner's first name, for staff
    forum: bool = Field(default=True)  # False once the staff chat proved not to be a forum
    opened_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_owner_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_staff_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reminded_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_by: str | None = Field(default=None, max_length=16)  # staff | owner | blocked
    rating: int | None = None


class HandoffMessage(SQLModel, table=True):
    """One message of a handoff and where it landed on each side.

    direction: "in" (owner → staff), "out" (staff → owner), "header" (the card that
    opened it), "note" (/nota: internal, never relayed). `text` is kept redacted, for
    the transcript and the knowledge-base suggestions; erasure deletes the rows.
    """

    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_staff", "staff_chat_id", "staff_message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    handoff_id: int = Field(foreign_key="handoffs.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    direction: str = Field(max_length=8)
    owner_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    staff_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    staff_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    staff_name: str | None = Field(default=None, max_length=64)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class KnowledgeSuggestion(SQLModel, table=True):
    """A staff answer marked for the knowledge base, for curators to review."""

    __tablename__ = "kb_suggestions"

    id: int | None = Field(default=None, primary_key=True)
    # The owner whose question it was: erasure deletes the suggestion (their words).
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    staff_name: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class LeadEvent(SQLModel, table=True):
    """A lead's history: each status change, assignment or note, by whom and when."""

    __tablename__ = "lead_events"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="leads.id", index=True)
    kind: str = Field(max_length=16)  # status | assigned | note
    status: str | None = Field(default=None, max_length=16)
    by_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    by_name: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


REVIEW_STATUSES = ("pending", "learned", "new_entry", "ignored")


class ReviewItem(SQLModel, table=True):
    """One cluster of questions the bot did not understand, and the reviewer's decision.

    `normal` is the cluster's most frequent wording, normalised: the key a cluster
    keeps from one review to the next. `members` (JSON) lists every normalised
    wording it covered, so a decided cluster's questions never come back to the
    queue. Text is redacted before it is stored; there is no user id here.
    `source` says where the suggestion came from ("questions": the question log;
    other sources, such as staff replies in handoffs, add rows directly).
    """

    __tablename__ = "review_items"

    id: int | None = Field(default=None, primary_key=True)
    normal: str = Field(max_length=300, unique=True)
    wording: str = Field(sa_column=Column(Text, nullable=False))
    members: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list
    candidates: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # entry ids
    source: str = Field(default="questions", max_length=16, index=True)
    status: str = Field(default="pending", max_length=16, index=True)
    entry_id: str | None = Field(default=None, max_length=96)
    asked: int = 0
    first_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    decided_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    written_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
