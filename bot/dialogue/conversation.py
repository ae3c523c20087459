"""The dialogue: one event in, the replies out, with the state kept in the database.

For each event the user's profile and state are read, the event is
interpreted, the new state and anything stored (questions, feedback, leads)
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
import secrets
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import metrics, texts
from bot.answers.result import AskResult
from bot.core import Core
from bot.dialogue import announce, handoff, keyboards, lead_capture, staff
from bot.dialogue import callbacks as cb
from bot.dialogue.model import Button, Event, Outcome, Post, Reply, StaffEdit, TopicChange
from bot.dialogue.turn import CITE_REGION, Turn
from bot.matching.matcher import Extraction
from bot.office_hours import OfficeHours
from bot.storage.app_state import request_knowledge_reload
from bot.storage.db import Database
from bot.storage.erasure import erase_person
from bot.storage.handoffs import count_handoffs, recent_messages
from bot.storage.leads import leads_of_user
from bot.storage.models import utcnow
from bot.storage.questions import count_questions, recent_questions
from bot.storage.turns import Changes, TurnStore, claim, create_users, write
from bot.storage.users import set_blocked

log = logging.getLogger(__name__)

CONFIRM_DELETE = "confirm_delete"  # /borrar_mis_datos asked; the button must carry its token
CONFIRM_DELETE_VALID = dt.timedelta(minutes=15)
QUESTIONS_SHOWN = 10


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
    ) -> None:
        self.db = db
        self.staff_chat_id = staff_chat_id
        self.office_hours = office_hours
        self.store = TurnStore(db)
        self.core = core  # a callable, so a knowledge reload swaps it between events
        self.admin_ids = admin_ids
        self.reload_knowledge = reload_knowledge

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
            return Outcome([Reply(texts.SORRY)])

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
        turn = Turn(
            user=snapshot.profile,
            core=self.core(),
            state=snapshot.state,
            data=snapshot.data,
            is_admin=event.user.id in self.admin_ids,
            changes=changes,
            open_transaction=open_transaction,
            names=tuple(n for n in (event.user.first_name,) if n),
            staff_chat_id=self.staff_chat_id,
            office_hours=self.office_hours,
        )
        try:
            await self._dispatch(turn, event)
        except AlreadyHandled:
            return Outcome()  # delivered twice: the first delivery already acted
        after = (turn.state, json.dumps(turn.data, sort_keys=True))  # flows mutate data in place
        if after != before:  # most questions change nothing
            changes.state = (turn.state, json.dumps(turn.data, ensure_ascii=False))
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

    async def _dispatch(self, turn: Turn, event: Event) -> None:
        # A handoff to a person goes first: the team's messages in its topic, and
        # everything the owner sends while it is open.
        if handoff.is_staff_side(event, self.staff_chat_id) and await handoff.on_staff(turn, event):
            return
        if turn.state == handoff.HANDOFF and await handoff.on_owner(turn, event):
            return
        if event.kind == "command":
            await self._command(turn, event)
        elif event.kind == "button":
            await self._button(turn, event)
        elif event.kind == "media":
            if turn.is_admin and await announce.on_message(turn, event):
                return
            turn.say(Reply(texts.MEDIA_REPLY.get(event.media, texts.MEDIA_DEFAULT)))
        elif event.kind == "contact":
            await lead_capture.on_contact(turn, event)
        else:
            await self._text(turn, event)

    # -- commands ----------------------------------------------------------------

    async def _command(self, turn: Turn, event: Event) -> None:
        name = event.command
        if name == "start":
            turn.reset()
            if event.payload and not turn.user.source:
                turn.update_user(source=event.payload[:64])
            turn.say(keyboards.menu(texts.GREETING))
        elif name in {"ayuda", "help"}:
            turn.say(Reply(texts.HELP, buttons=[keyboards.menu_buttons()[0]]))
        elif name == "menu":
            turn.reset()
            turn.say(keyboards.menu())
        elif name == "cancelar":
            in_capture = turn.state in lead_capture.STATES
            turn.reset()
            turn.say(keyboards.menu(texts.LEAD_CANCELLED if in_capture else texts.CANCELLED))
        elif name == "novedades":
            await self._subscribe(turn)
        elif name == "baja":
            await self._unsubscribe(turn)
        elif name == "mis_datos":
            await self._my_data(turn, event)
        elif name == "borrar_mis_datos":
            if turn.changes.create_user:  # nothing stored: nothing to confirm, nothing to store
                turn.forget()
                turn.say(Reply(texts.DELETED_NOTHING))
            else:
                self._ask_delete(turn)
        elif name in staff.COMMANDS:
            if not turn.is_admin:
                turn.say(Reply(texts.STAFF_ONLY))
            elif not self._staff_place(event):
                turn.say(Reply(texts.STAFF_PRIVATE_ONLY))
            elif name == "leads":
                await staff.summary(turn)
                await staff.open_leads(turn, 0)
            elif name == "nota":
                await staff.note(turn, event.payload)
            elif name == "recargar":
                await self._reload(turn)
            elif name == "anunciar":
                announce.start(turn)
            else:
                await staff.export(turn, self.db, event.payload)
        else:
            turn.say(Reply(texts.UNKNOWN_COMMAND))

    async def _reload(self, turn: Turn) -> None:
        if self.reload_knowledge is None:
            turn.say(Reply(texts.RELOAD_UNAVAILABLE))
            return
        at = utcnow()
        problems = self.reload_knowledge(at)
        if problems:
            shown = "\n".join(f"• {p}" for p in problems[:10])
            turn.say(Reply(texts.RELOAD_REFUSED.format(count=len(problems), problems=shown)))
            return
        await request_knowledge_reload(await turn.transaction(), at)  # the other replicas follow
        kb = self.core().kb
        turn.say(Reply(texts.RELOADED.format(entries=len(kb.entries), digest=kb.digest)))

    # -- buttons ---------------------------------------------------------------------

    async def _button(self, turn: Turn, event: Event) -> None:
        data = cb.decode(event.data)
        kb = turn.core.kb
        action = data.action
        if action == "menu":
            await self._menu_choice(turn, data.arg(0), event)
        elif action == "e" and data.arg(0) in kb.entries:
            turn.reset()
            self._show(
                turn, turn.core.answers.answer_entry(kb.entries[data.arg(0)].title, data.arg(0))
            )
        elif action == "more" and data.arg(0) in kb.entries:
            entry = kb.entries[data.arg(0)]
            turn.say(Reply(entry.more or texts.NO_MORE))
        elif action == "fb" and data.arg(0) in kb.entries and data.arg(1) in {"0", "1"}:
            useful = data.arg(1) == "1"
            turn.add_feedback(data.arg(0), useful)
            if useful:
                turn.say(Reply("", notice=texts.FEEDBACK_THANKS))
            else:
                interested = Button(texts.BUTTON_ADVISOR, cb.encode("lead", "e", data.arg(0)))
                turn.say(Reply(texts.FEEDBACK_SORRY, buttons=[[interested]]))
        elif action == "none":
            turn.say(
                Reply(
                    texts.FALLBACK,
                    buttons=[[keyboards.advisor_button()], [keyboards.menu_button()]],
                )
            )
        elif action == "cs" and data.arg(0) in kb.sectors:
            turn.state, turn.data = CITE_REGION, {"sector": data.arg(0)}
            turn.say(keyboards.regions(kb, data.arg(0), 0))
        elif action == "crp" and data.arg(0) in kb.sectors and cb.number(data.arg(1)) is not None:
            turn.state, turn.data = CITE_REGION, {"sector": data.arg(0)}
            turn.say(keyboards.regions(kb, data.arg(0), int(data.arg(1))))
        elif action == "cr" and data.arg(0) in kb.sectors and data.arg(1) in kb.regions:
            await self._cite_region_chosen(turn, data.arg(0), data.arg(1))
        elif (
            action == "cn"
            and data.arg(0) in kb.sectors
            and data.arg(1) in kb.regions
            and (data.arg(2) in kb.needs or data.arg(2) == "-")
        ):
            needs = [] if data.arg(2) == "-" else [data.arg(2)]
            await self._cite_results(turn, data.arg(0), data.arg(1), needs)
        elif action in {"lead", "adv", "lc"} and not event.private:
            turn.say(Reply(texts.LEAD_PRIVATE_ONLY))  # a phone and a RUC are not for a group
        elif action == "lead" and (topic := lead_capture.topic_for(turn, data.arg(0), data.arg(1))):
            await lead_capture.start(turn, data.arg(0), *topic)
        elif action == "hp":
            await handoff.request_person(turn, event)
        elif action == "hr":
            await handoff.on_rating(turn, data)
        elif action == "adv":
            question = str(turn.data.get("question") or "")
            label = question or texts.ADVISOR_TOPIC
            await lead_capture.start(turn, "q", question or "asesoria", label[:300])
        elif action == "lc":
            await lead_capture.consent(turn, data.arg(0) == "y", event.user.first_name)
        elif action in {"ls", "ann", "bc", "la", "lp", "lv"}:
            if not turn.is_admin:
                turn.say(Reply(texts.STAFF_ONLY))
            elif not self._staff_place(event):
                turn.say(Reply(texts.STAFF_PRIVATE_ONLY))
            elif action == "ls":
                await staff.status_button(turn, data)
            elif action == "la":
                await staff.take_button(turn, data)
            elif action == "lp":
                await staff.page_button(turn, data)
            elif action == "lv":
                await staff.show_button(turn, data)
            else:
                await announce.on_button(turn, data)
        elif action == "del" and data.arg(0) == "ask":
            self._ask_delete(turn)
        elif action == "del" and data.arg(0) in {"y", "n"}:
            await self._delete_my_data(turn, data.arg(0) == "y", data.arg(1))
        elif not await lead_capture.on_button(turn, data):
            turn.reset()
            turn.say(keyboards.menu(texts.STALE_BUTTON))

    def _staff_place(self, event: Event) -> bool:
        """Staff tools show leads: only in a private chat or in the configured staff chat."""
        return event.private or (event.chat_id is not None and event.chat_id == self.staff_chat_id)

    async def _menu_choice(self, turn: Turn, choice: str, event: Event) -> None:
        kb = turn.core.kb
        turn.reset()
        if choice == "ask":
            turn.say(Reply(texts.ASK_PROMPT))
        elif choice == "cite":
            turn.say(keyboards.sectors(kb))
        elif choice == "fin":
            finance = [e for e in kb.entries.values() if "financiamiento" in e.tags][:6]
            rows = [[keyboards.entry_button(e.id, e.title)] for e in finance]
            turn.say(Reply(texts.FINANCE_INTRO, buttons=[*rows, [keyboards.menu_button()]]))
        elif choice == "news":
            await self._subscribe(turn)
        elif choice == "data":
            await self._my_data(turn, event)
        elif choice == "person":
            await handoff.request_person(turn, event)
        else:
            turn.say(keyboards.menu())

    # -- free text ---------------------------------------------------------------------

    async def _text(self, turn: Turn, event: Event) -> None:
        text = event.text
        if turn.is_admin and await announce.on_message(turn, event):
            return
        if (
            turn.state in lead_capture.STATES
            and "lead" in turn.data
            and await lead_capture.on_text(turn, event)
        ):
            return
        if turn.state == CITE_REGION and turn.data.get("sector") in turn.core.kb.sectors:
            region = turn.core.matcher.places.lookup(text)
            if region is not None:
                await self._cite_region_chosen(turn, turn.data["sector"], region)
                return
            if len(text.split()) <= 3:
                reply = keyboards.regions(turn.core.kb, turn.data["sector"], 0)
                reply.text = (
                    texts.CITE_REGION_NOT_FOUND.format(text=text.strip()[:60]) + "\n" + reply.text
                )
                turn.say(reply)
                return
            turn.reset()  # a longer message is a new question: leave the flow
        result = turn.core.answers.reply(text)
        turn.log_question(text, result.kind, result.entry_id, result.score)
        if result.kind == "cites":
            profile = {k: v for k, v in (("sector", result.sector), ("region", result.region)) if v}
            if profile:
                turn.update_user(**profile)
        if result.kind in {"fallback", "suggestions"}:
            # The topic if they ask for an advisor, without the phone they may have typed.
            turn.data = {"question": turn.redact(text)[:300]}
        self._show(turn, result)

    def _show(self, turn: Turn, result: AskResult) -> None:
        metrics.REPLIES.inc(result.kind)
        turn.say(keyboards.ask_result(result))

    # -- the CITE flow -------------------------------------------------------------------

    async def _cite_region_chosen(self, turn: Turn, sector: str, region: str) -> None:
        turn.reset()
        turn.update_user(sector=sector, region=region)
        turn.say(keyboards.needs(turn.core.kb, sector, region))

    async def _cite_results(self, turn: Turn, sector: str, region: str, needs: list[str]) -> None:
        turn.reset()
        extraction = Extraction(sector=sector, region=region, needs=needs)
        result = turn.core.matcher.result("", extraction)
        ask = AskResult(question="", kind="cites", text=result.message, cites=result.cites)
        turn.say(keyboards.ask_result(ask))

    # -- subscription and data ------------------------------------------------------------

    async def _subscribe(self, turn: Turn) -> None:
        if turn.user.subscribed:
            turn.say(Reply(texts.ALREADY_SUBSCRIBED))
            return
        turn.update_user(subscribed=True)
        turn.say(Reply(texts.SUBSCRIBED))

    async def _unsubscribe(self, turn: Turn) -> None:
        if not turn.user.subscribed:
            turn.say(Reply(texts.NOT_SUBSCRIBED))
            return
        turn.update_user(subscribed=False)
        turn.say(Reply(texts.UNSUBSCRIBED))

    async def _my_data(self, turn: Turn, event: Event) -> None:
        if not event.private:  # a group would show the phone and RUC to all its members
            turn.say(Reply(texts.MY_DATA_PRIVATE_ONLY))
            return
        if turn.changes.create_user:  # no row: never wrote, or erased their data
            turn.forget()  # asking what is stored must not store anything
            turn.say(Reply(texts.MY_DATA_NONE))
            return
        user = turn.user
        session = await turn.transaction()
        kb = turn.core.kb
        lines = [
            texts.MY_DATA_INTRO,
            texts.MY_DATA_ID.format(id=user.id),
            texts.MY_DATA_SINCE.format(date=user.created_at.strftime("%d/%m/%Y")),
            texts.MY_DATA_SOURCE.format(source=user.source or "—"),
            texts.MY_DATA_REGION.format(
                region=kb.regions[user.region].name if user.region in kb.regions else "—"
            ),
            texts.MY_DATA_SECTOR.format(
                sector=kb.sectors[user.sector].name if user.sector in kb.sectors else "—"
            ),
            texts.MY_DATA_NEWS.format(news="sí" if user.subscribed else "no"),
        ]
        count = await count_questions(session, user.id)
        if count:
            shown = await recent_questions(session, user.id, QUESTIONS_SHOWN)
            lines.append(texts.MY_DATA_QUESTIONS_SHOWN.format(shown=len(shown), count=count))
            lines += [
                texts.MY_DATA_QUESTION.format(
                    date=q.created_at.strftime("%d/%m/%Y"), text=q.question or "—"
                )
                for q in shown
            ]
            lines.append(texts.MY_DATA_QUESTIONS_NOTE)
        else:
            lines.append(texts.MY_DATA_QUESTIONS.format(count=0))
        leads = await leads_of_user(session, user.id)
        if leads:
            lines.append(texts.MY_DATA_LEADS)
            lines += [
                texts.MY_DATA_LEAD.format(
                    reference=lead.reference,
                    topic=lead.topic_label,
                    status=lead.status,
                    phone=lead.phone or "—",
                    business=lead.business_name or "—",
                    ruc=lead.ruc or "—",
                )
                for lead in leads
            ]
        handoffs, relayed = await count_handoffs(session, user.id)
        if handoffs:
            lines.append(texts.MY_DATA_HANDOFFS.format(handoffs=handoffs, messages=relayed))
            lines += [
                texts.MY_DATA_HANDOFF_MESSAGE.format(
                    date=m.created_at.strftime("%d/%m/%Y"),
                    who=texts.MY_DATA_HANDOFF_YOU
                    if m.direction == "in"
                    else (m.staff_name or texts.HANDOFF_ADVISOR),
                    text=m.text[:200] or "—",
                )
                for m in await recent_messages(session, user.id, QUESTIONS_SHOWN)
            ]
        lines.append(texts.MY_DATA_FOOTER)
        button = Button(texts.BUTTON_DELETE_MY_DATA, cb.encode("del", "ask"))
        turn.say(Reply("\n".join(lines), buttons=[[button]]))

    def _ask_delete(self, turn: Turn, text: str = texts.DELETE_CONFIRM) -> None:
        """Ask for confirmation with a one-time token: an old button cannot delete."""
        token = secrets.token_hex(4)
        turn.state = CONFIRM_DELETE
        turn.data = {"token": token, "asked_at": utcnow().isoformat()}
        turn.say(
            Reply(
                text,
                buttons=[
                    [Button(texts.BUTTON_DELETE, cb.encode("del", "y", token))],
                    [Button(texts.BUTTON_KEEP, cb.encode("del", "n", token))],
                ],
            )
        )

    def _confirmation_is_current(self, turn: Turn, token: str) -> bool:
        if turn.state != CONFIRM_DELETE or not token or turn.data.get("token") != token:
            return False
        try:
            asked = dt.datetime.fromisoformat(str(turn.data.get("asked_at")))
        except ValueError:
            return False
        return utcnow() - asked <= CONFIRM_DELETE_VALID

    async def _delete_my_data(self, turn: Turn, confirmed: bool, token: str) -> None:
        if not confirmed:
            turn.reset()
            turn.say(Reply(texts.DELETE_KEPT))
            return
        if not self._confirmation_is_current(turn, token):
            self._ask_delete(turn, texts.DELETE_STALE + "\n\n" + texts.DELETE_CONFIRM)
            return
        turn.reset()
        if turn.changes.create_user:  # nothing was ever stored (or it was already erased)
            turn.forget()
            turn.say(Reply(texts.DELETED_NOTHING, remove_keyboard=True))
            return
        erased = await erase_person(
            await turn.transaction(), turn.user.id, texts.ERASED_TOPIC, texts.STAFF_LEAD_ERASED
        )
        turn.forget()
        turn.outcome.staff_edits += [
            StaffEdit(
                shown.chat_id,
                shown.message_id,
                texts.STAFF_LEAD_ERASED.format(reference=shown.reference),
            )
            for shown in erased.staff_messages
        ]
        for chat_id, thread_id in erased.topics:  # named after the person, full of their words
            turn.outcome.topics.append(
                TopicChange(
                    "delete", chat_id, 0, thread_id=thread_id, name=texts.STAFF_HANDOFF_ERASED_TOPIC
                )
            )
        turn.outcome.staff_deletions += erased.relayed
        turn.say(Reply(texts.DELETED, remove_keyboard=True))
