"""What the adapter reports back about a handoff's posts, and the reminders for staff.

These run outside any owner's turn: the adapter calls them after Telegram
answered (where a post landed, a topic created, a 403), and a timer calls
`remind_unanswered`.
"""

from __future__ import annotations

import datetime as dt

from bot import phrases
from bot.dialogue.model import Outcome, Post, TopicChange
from bot.storage import handoffs as store
from bot.storage.db import Database
from bot.storage.outbox import enqueue


async def topic_ready(db: Database, handoff_id: int, thread_id: int | None, forum: bool) -> None:
    """The topic was created (or the chat proved not to be a forum)."""
    async with db.session() as session:
        await store.set_topic(session, handoff_id, thread_id, forum)
        await session.commit()


async def relayed(db: Database, post: Post, message_id: int | None) -> Outcome:
    """A post of a handoff landed as `message_id`: remember it (a reply to it is relayed
    back, /sugerir finds it, erasure deletes it). Returns what else to post: nothing yet."""
    outcome = Outcome()
    if post.handoff_id is None:
        return outcome
    async with db.session() as session:
        handoff = await store.get_handoff(session, post.handoff_id)
        if handoff is None:  # erased meanwhile
            return outcome
        to_staff = post.direction in {"in", "header"}
        store.record_message(
            session,
            handoff,
            post.direction,
            text=post.stored_text,
            owner_message_id=post.source_message_id if to_staff else message_id,
            staff_chat_id=handoff.chat_id,
            staff_message_id=message_id if to_staff else post.source_message_id,
            staff_name=post.staff_name,
        )
        await session.commit()
    # No "sent" receipt in the staff chat: Telegram allows about 20 messages a minute in
    # one group (python-telegram-bot's limiter queues the rest), and a receipt per reply
    # would take half of them from the relays themselves.
    return outcome


async def refused(db: Database, post: Post) -> Outcome:
    """The owner blocked the bot (Telegram's 403) while a post was on its way to them."""
    outcome = Outcome()
    if post.user_id is None:
        return outcome
    async with db.session() as session:
        handoff = await store.open_handoff_of(session, post.user_id)
        if handoff is None and post.handoff_id is not None:
            handoff = await store.get_handoff(session, post.handoff_id)
        if handoff is None:
            return outcome
        closed = await store.close_handoff(session, handoff.id or 0, "blocked")
        await session.commit()
    if closed or post.direction == "out":
        outcome.posts.append(
            Post(
                chat_id=handoff.chat_id,
                thread_id=handoff.thread_id,
                text=phrases.STAFF_HANDOFF_BLOCKED.format(name=handoff.owner_name),
            )
        )
    if closed and handoff.thread_id is not None:
        outcome.topics.append(
            TopicChange("close", handoff.chat_id, handoff.id or 0, thread_id=handoff.thread_id)
        )
    return outcome


async def remind_unanswered(db: Database, after: dt.timedelta) -> int:
    """One reminder in the staff chat for each open handoff no one answered within `after`.

    Stored in the outbox in the same transaction as the claim, so exactly one
    replica reminds, and the staff-notice worker delivers it (into the topic).
    """
    async with db.session() as session:
        due = await store.claim_reminders(session, after)
        for handoff in due:
            minutes = int(after.total_seconds() // 60)
            enqueue(
                session,
                handoff.chat_id,
                phrases.STAFF_HANDOFF_REMINDER.format(name=handoff.owner_name, minutes=minutes),
                [],
                thread_id=handoff.thread_id,
            )
        await session.commit()
    return len(due)
