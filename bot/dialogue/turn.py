"""One event's working context: the user, their state, and what to reply.

Most turns only read the snapshot and record a few changes, which the
dialogue commits with other turns' (storage/turns.py). A flow that must query
or store more (leads, staff tools, deleting one's data) asks for
`transaction()`, and the turn then commits through that instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Core
from bot.dialogue.model import Outcome, Reply
from bot.office_hours import OfficeHours
from bot.privacy.redaction import redact
from bot.storage.outbox import enqueue
from bot.storage.turns import IDLE, Changes, Profile

if TYPE_CHECKING:
    from bot.dialogue.reading import Reading

CITE_REGION = "cite_region"  # waiting for a typed region in the CITE flow

__all__ = ["CITE_REGION", "IDLE", "Turn"]


@dataclass
class Turn:
    """What one event's handling may read and change."""

    user: Profile
    core: Core
    state: str
    data: dict[str, Any]
    is_admin: bool
    changes: Changes
    open_transaction: Callable[[], Awaitable[AsyncSession]]
    names: tuple[str, ...] = ()  # the sender's names on the platform: kept out of free text
    staff_chat_id: int | None = None  # where staff notices go; None: nobody is told
    # What the conversation is about and the latest keyboard, kept across flows (reset()
    # leaves it): see dialogue/context.py and dialogue/acts.py.
    context: dict[str, Any] = field(default_factory=dict)
    office_hours: OfficeHours | None = None  # when a person answers a handoff; None: always
    outcome: Outcome = field(default_factory=Outcome)
    session: AsyncSession | None = None  # set once a flow asked for a transaction
    # How this event was read and which flows answered it: for --explain and the DEBUG log.
    readings: list[Reading] = field(default_factory=list)
    route: list[str] = field(default_factory=list)

    async def transaction(self) -> AsyncSession:
        """This event's own transaction, opened on first use."""
        if self.session is None:
            self.session = await self.open_transaction()
        return self.session

    @property
    def forgotten(self) -> bool:
        return self.changes.forgotten

    def forget(self) -> None:
        """The user's data was deleted: nothing more is stored about them."""
        self.changes.forgotten = True

    def update_user(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self.user, name, value)
        self.changes.user_fields.update(fields)

    def redact(self, text: str) -> str:
        """Free text about to be stored, without phones, documents, e-mails or names."""
        return redact(text, self.names)

    def log_question(
        self, question: str, kind: str, entry_id: str | None, score: float | None
    ) -> None:
        self.changes.log_question(self.redact(question), kind, entry_id, score)

    def add_feedback(self, entry_id: str, useful: bool) -> None:
        self.changes.add_feedback(entry_id, useful)

    async def notify_staff(self, reply: Reply, lead_id: int | None = None) -> None:
        """Store a notice for the staff chat in this turn's transaction (the outbox)."""
        if self.staff_chat_id is None:
            return
        buttons = [[(b.label, b.data) for b in row] for row in reply.buttons]
        enqueue(await self.transaction(), self.staff_chat_id, reply.text, buttons, lead_id)
        self.outcome.staff_notices += 1

    def say(self, reply: Reply) -> None:
        self.outcome.replies.append(reply)

    def reset(self) -> None:
        self.state, self.data = IDLE, {}
