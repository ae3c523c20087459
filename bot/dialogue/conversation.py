"""The dialogue: one event in, the replies out, with the state kept in the database.

For each event the user's profile and state are read, the event is routed
to the flow that declared it (router.py, flow.py), the new state and anything stored (questions, feedback, leads)
are committed, and only then are the replies returned to the adapter to send.
So a restart, or another replica, continues the same conversation, and
nothing is confirmed to the user before it is stored. Simple turns are read
and committed together with the other turns in flight (storage/turns.py);
flows that need more open their own transaction (Turn.transaction).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import metrics, phrases
from bot.core import Core
from bot.dialogue import (
    announce,
    cite_finder,
    finance,
    handoff,
    insights,
    lead_capture,
    my_data,
    navigation,
    questions,
    staff,
    subscription,
)
from bot.dialogue.explain import explain
from bot.dialogue.flow import Call, Flow, Services
from bot.dialogue.model import Event, Outcome, Post, Reply
from bot.dialogue.options import remember_keyboard
from bot.dialogue.router import Router
from bot.dialogue.turn import Turn
from bot.office_hours import OfficeHours
from bot.storage.db import Database
from bot.storage.turns import Changes, TurnStore, claim, create_users, write
from bot.storage.users import set_blocked

log = logging.getLogger(__name__)

CONTEXT = "ctx"  # the conversation context's key in the stored state data (see Turn.context)
# The flows, in the order they may take over an event before any dispatch: an open
# handoff first (everything the owner sends goes to the person), then an announcement
# being written. Everything else each flow declares is looked up, not ordered here.
FLOWS: tuple[Flow, ...] = (
    handoff.FLOW,
    announce.FLOW,
    navigation.FLOW,
    questions.FLOW,
    cite_finder.FLOW,
    finance.FLOW,
    lead_capture.FLOW,
    my_data.FLOW,
    subscription.FLOW,
    staff.FLOW,
    insights.FLOW,
)


class AlreadyHandled(Exception):
    """The update was delivered before, and its first delivery already acted."""


class Dialogue:
    def __init__(
        self,
        db: Database,
        core: Callable[[], Core],
        admin_ids: frozenset[int] = frozenset(),
        reload_knowledge: Callable[[dt.datetime], list[str]] | None = None,
        staff_chat_id: int | None = None,
        office_hours: OfficeHours | None = None,
        flows: Sequence[Flow] = FLOWS,
    ) -> None:
        self.db = db
        self.staff_chat_id = staff_chat_id
        self.office_hours = office_hours
        self.store = TurnStore(db)
        self.core = core  # a callable, so a knowledge reload swaps it between events
        self.admin_ids = admin_ids
        self.reload_knowledge = reload_knowledge
        self.services = Services(db, core, reload_knowledge, staff_chat_id)
        self.router = Router(flows)

    async def handle(self, event: Event) -> Outcome:
        event = event.without_nul()  # PostgreSQL refuses U+0000 in text
        try:
            async with contextlib.AsyncExitStack() as resources:
                return await self._handle(event, resources)
        except Exception:
            # Nothing of this event was committed (and a redelivery may retry it);
            # the person still gets an answer instead of silence.
            log.exception("event failed: %s", event.kind)
            metrics.ERRORS.inc("dialogue")
            return Outcome([Reply(phrases.SORRY)])

    async def _handle(self, event: Event, resources: contextlib.AsyncExitStack) -> Outcome:
        snapshot = await self.store.load(event.user.id)
        changes = Changes(event.user.id, event.update_id, create_user=snapshot.is_new)
        if snapshot.profile.blocked:  # writing to us again means they unblocked the bot
            changes.user_fields["blocked"] = False
            snapshot.profile.blocked = False

        async def open_transaction() -> AsyncSession:
            session = await resources.enter_async_context(self.db.session())
            conn = await session.connection()
            # Claim first: a redelivered update stops here, before it changes anything;
            # and on SQLite the write lock is taken before this turn reads anything more.
            if event.update_id is not None and not await claim(conn, [event.update_id]):
                raise AlreadyHandled
            if changes.create_user:
                await create_users(conn, [event.user.id])  # flows may look the user up
                changes.create_user = False
            return session

        before = (snapshot.state, json.dumps(snapshot.data, sort_keys=True))
        data = dict(snapshot.data)
        remembered = data.pop(CONTEXT, None)
        turn = Turn(
            user=snapshot.profile,
            core=self.core(),
            state=snapshot.state,
            data=data,
            context=remembered if isinstance(remembered, dict) else {},
            is_admin=event.user.id in self.admin_ids,
            changes=changes,
            open_transaction=open_transaction,
            names=tuple(n for n in (event.user.first_name,) if n),
            staff_chat_id=self.staff_chat_id,
            office_hours=self.office_hours,
        )
        try:
            await self.router.dispatch(Call(turn, event, self.services, self.router))
        except AlreadyHandled:
            return Outcome()  # delivered twice: the first delivery already acted
        remember_keyboard(turn, self.router.staff_buttons)
        reading = turn.readings[0] if turn.readings else None
        turn.outcome.explanation = explain(reading, turn.route, event)
        if log.isEnabledFor(logging.DEBUG):  # the owner's words, without phones or names
            log.debug("%s", turn.redact(turn.outcome.explanation))
        stored = {**turn.data, CONTEXT: turn.context} if turn.context else turn.data
        after = (turn.state, json.dumps(stored, sort_keys=True))  # flows mutate data in place
        if after != before:  # a repeated question changes nothing
            changes.state = (turn.state, json.dumps(stored, ensure_ascii=False))
        if turn.session is not None:
            await write(await turn.session.connection(), [changes], claimed=True)
            await turn.session.commit()
        elif not await self.store.store(changes):
            return Outcome()  # delivered twice: the first delivery already acted
        return turn.outcome

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """The user blocked (or unblocked) the bot on the platform."""
        async with self.db.session() as session:
            await set_blocked(session, user_id, blocked)
            await session.commit()

    # -- what the adapter reports about a handoff's posts (see dialogue/handoff.py) ----

    async def topic_ready(self, handoff_id: int, thread_id: int | None, forum: bool) -> None:
        await handoff.topic_ready(self.db, handoff_id, thread_id, forum)

    async def relayed(self, post: Post, message_id: int | None) -> Outcome:
        return await handoff.relayed(self.db, post, message_id)

    async def refused(self, post: Post) -> Outcome:
        """A post to an owner was refused: they blocked the bot."""
        await self.set_blocked(post.chat_id, True)
        return await handoff.refused(self.db, post)
