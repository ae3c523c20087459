"""How long what people leave behind is kept: RETENTION_MONTHS, applied once a day.

Past the retention period:
- question_log: the row loses its user id and its text; the kind, the entry
  chosen, the score and the date stay, so counts per day and per entry survive.
- feedback: loses its user id (the 👍/👎 count per entry stays).
- conversations: deleted (a stale state, possibly a lead draft never finished).
- deliveries already sent: lose their user id (the campaign's counts stay).

Leads are not touched here: they are the consented follow-up record, worked
by staff until closed; the person removes them with /borrar_mis_datos.

Several replicas run the housekeeping loop; `claim_daily` makes one of them
do it each day (the conditional UPDATE of one app_state row serialises them).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.dialect import insert_for
from bot.storage.models import (
    AppState,
    Conversation,
    Delivery,
    Feedback,
    QuestionLog,
    table_of,
    utcnow,
)

RETENTION_DAY = "retention_applied_on"
UNSENT = ("pending", "sending")
APP_STATE = table_of(AppState)


@dataclass(frozen=True)
class Retention:
    """How many rows one day's run changed, table by table."""

    cutoff: dt.datetime
    questions: int
    feedback: int
    conversations: int
    deliveries: int


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


async def claim_daily(session: AsyncSession, key: str, today: dt.date) -> bool:
    """True for the one caller, across replicas, that gets `key` for `today`.

    The UPDATE holds the row until the caller's transaction ends; a second
    replica waits on it, then finds today's date already there and gets False.
    """
    conn = await session.connection()
    now = utcnow()
    await conn.execute(
        insert_for(conn.dialect.name, APP_STATE)
        .values(key=key, value="", updated_at=now)
        .on_conflict_do_nothing()
    )
    day = today.isoformat()
    claimed = await conn.execute(
        update(APP_STATE)
        .where(APP_STATE.c.key == key, APP_STATE.c.value < day)
        .values(value=day, updated_at=now)
    )
    return claimed.rowcount == 1


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def apply_retention(
    session: AsyncSession, months: int, now: dt.datetime | None = None
) -> Retention | None:
    """Unlink and strip what is older than `months`; None when another run had today's turn.

    The caller commits: the claim and the changes land together, or neither does.
    """
    now = now or utcnow()
    if not await claim_daily(session, RETENTION_DAY, now.date()):
        return None
    cutoff = months_before(now, months)
    options = {"synchronize_session": False}  # SQLite hands back naive datetimes
    questions = await session.exec(
        update(QuestionLog)
        .where(
            col(QuestionLog.created_at) < cutoff,
            or_(col(QuestionLog.user_id).is_not(None), col(QuestionLog.question) != ""),
        )
        .values(user_id=None, question="")
        .execution_options(**options)
    )
    feedback = await session.exec(
        update(Feedback)
        .where(col(Feedback.created_at) < cutoff, col(Feedback.user_id).is_not(None))
        .values(user_id=None)
        .execution_options(**options)
    )
    conversations = await session.exec(
        delete(Conversation)
        .where(col(Conversation.updated_at) < cutoff)
        .execution_options(**options)
    )
    deliveries = await session.exec(
        update(Delivery)
        .where(
            col(Delivery.updated_at) < cutoff,
            col(Delivery.user_id).is_not(None),
            col(Delivery.status).not_in(UNSENT),
        )
        .values(user_id=None)
        .execution_options(**options)
    )
    return Retention(
        cutoff=cutoff,
        questions=_count(questions),
        feedback=_count(feedback),
        conversations=_count(conversations),
        deliveries=_count(deliveries),
    )
