"""The dialogue core without Telegram: what an owner says and presses, and what comes back.

The helpers take a ``Dialogue`` (each test file builds its own, with the admins and the
staff chat it needs) and default to ``ANA``; ``STAFF`` and ``STAFF_CHAT`` are the team
the lead tests configure. tests/kit/telegram.py is the same through the real Application.
"""

from __future__ import annotations

from sqlmodel import select

from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Button, Event, Outcome, UserRef
from bot.storage.db import Database
from bot.storage.models import Lead
from bot.storage.outbox import claim_due, mark_sent

ANA = UserRef(1001, "Ana")
STAFF = UserRef(9999, "Rosa")
STAFF_CHAT = -100555


def all_buttons(outcome: Outcome) -> list:
    return [b for r in outcome.replies for row in r.buttons for b in row]


def button(outcome: Outcome, startswith: str) -> Button:
    for b in all_buttons(outcome):
        if b.data.startswith(startswith):
            return b
    raise AssertionError(f"no button {startswith!r} in {[b.data for b in all_buttons(outcome)]}")


def text(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


async def say(dialogue: Dialogue, words: str, user: UserRef = ANA) -> Outcome:
    return await dialogue.handle(Event(user=user, kind="text", text=words))


async def press(dialogue: Dialogue, data: str, user: UserRef = ANA) -> Outcome:
    return await dialogue.handle(Event(user=user, kind="button", data=data))


async def command(dialogue: Dialogue, name: str, payload: str = "", user: UserRef = ANA) -> Outcome:
    return await dialogue.handle(Event(user=user, kind="command", command=name, payload=payload))


async def leads(db: Database) -> list[Lead]:
    async with db.session() as session:
        return list((await session.exec(select(Lead))).all())


async def capture_cite_lead(dialogue: Dialogue, user: UserRef = ANA) -> Outcome:
    """A consented lead for CITEccal Arequipa, with phone, business and RUC."""
    await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"), user)
    await press(dialogue, cb.encode("lc", "y"), user)
    await dialogue.handle(Event(user=user, kind="contact", phone="+51 987 654 321", text="Ana"))
    await say(dialogue, "Curtiembre Misti", user)
    return await say(dialogue, "20131369477", user)


async def deliver_staff_cards(db: Database, first_message_id: int) -> list[tuple[int, str] | None]:
    """What the staff-notice worker does once Telegram accepted each pending card."""
    async with db.session() as session:
        due = await claim_due(session, "test-worker")
    results = []
    for offset, notice in enumerate(due):
        async with db.session() as session:
            results.append(await mark_sent(session, notice.id, first_message_id + offset))
    return results
