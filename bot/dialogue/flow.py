"""How a flow says what it answers: its commands, its buttons, its states, its text steps.

The dialogue used to decide in one long cascade of conditions, so adding a
command meant editing five places and the order of the ifs was the only record
of which feature won. Now each flow declares what it takes, and the router
(router.py) builds its tables from the declarations and checks that no two
flows claim the same command, button code, state or place in the text order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.model import Event
from bot.dialogue.turn import Turn
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.dialogue.reading import Reading


@dataclass(frozen=True)
class Services:
    """What a few flows need beyond the turn (staff export, knowledge reload)."""

    db: Database
    core: Callable[[], Core]  # called again after a reload, which swaps the core
    reload_knowledge: Callable[[dt.datetime], list[str]] | None = None
    staff_chat_id: int | None = None


class Dispatch(Protocol):
    """The router as a flow sees it: a typed "2" presses a button, a caption is read."""

    async def button(self, call: Call) -> None: ...

    async def text(self, call: Call) -> None: ...

    async def menu_choice(self, call: Call, choice: str) -> None: ...


@dataclass(frozen=True)
class Call:
    """One event on its way through a flow."""

    turn: Turn
    event: Event
    services: Services
    router: Dispatch

    @property
    def data(self) -> cb.Callback:
        return cb.decode(self.event.data)

    async def press(self, data: str) -> None:
        """Act as if the button carrying `data` was pressed (a typed number, a "sí")."""
        await self.router.button(replace(self, event=replace(self.event, kind="button", data=data)))


Step = Callable[[Call], Awaitable[None]]
# A button's step returns False when the button is not for this moment (stale).
ButtonStep = Callable[[Call], Awaitable[bool]]
# A text step returns False to let the next one in the order read the message.
TextRun = Callable[[Call, "Reading"], Awaitable[bool]]


@dataclass(frozen=True)
class TextStep:
    """Where in the order of reading a message this flow gets its say, and why."""

    order: int  # lower goes first; unique across flows
    name: str  # shown by --explain
    run: TextRun


@dataclass(frozen=True)
class Flow:
    name: str
    commands: Mapping[str, Step] = field(default_factory=dict)
    buttons: Mapping[str, ButtonStep] = field(default_factory=dict)  # by codes.py's code
    menu: Mapping[str, Step] = field(default_factory=dict)  # the main menu's choices
    events: Mapping[str, Step] = field(default_factory=dict)  # media, location, contact
    texts: tuple[TextStep, ...] = ()
    states: frozenset[str] = frozenset()  # the turn states this flow owns
    # Staff tools show leads and personal data: admins only, in private or the staff chat.
    staff_only: bool = False
    # Before anything else: an open handoff, an announcement being written.
    takes_over: ButtonStep | None = None
    # True while what the owner types is personal data this flow takes whatever it says
    # (a phone, a RUC): the text is then not handed to the answers engine while reading it.
    private_text: Callable[[Turn], bool] | None = None
