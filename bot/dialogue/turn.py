"""One event's working context: the user, their state, and what to reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Core
from bot.dialogue.model import Outcome, Reply
from bot.storage.models import User

IDLE = "idle"
CITE_REGION = "cite_region"  # waiting for a typed region in the CITE flow


@dataclass
class Turn:
    """What one event's handling may read and change."""

    session: AsyncSession
    user: User
    core: Core
    state: str
    data: dict[str, Any]
    is_admin: bool
    outcome: Outcome = field(default_factory=Outcome)
    forgotten: bool = False  # the user's data was deleted during this event

    def say(self, reply: Reply) -> None:
        self.outcome.replies.append(reply)

    def reset(self) -> None:
        self.state, self.data = IDLE, {}
