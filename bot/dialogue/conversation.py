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
from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import metrics, phrases
from bot.answers.result import AskResult
from bot.core import Core
from bot.dialogue import (
    acts,
    announce,
    context,
    finance,
    handoff,
    insights,
    keyboards,
    lead_capture,
    staff,
)
from bot.dialogue import callbacks as cb
from bot.dialogue.model import Button, Event, Outcome, Post, Reply, StaffEdit, TopicChange
from bot.dialogue.turn import CITE_REGION, Turn
from bot.matching.matcher import Extraction
from bot.matching.places import haversine_km
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
CONTEXT = "ctx"  # the conversation context's key in the stored state data (see Turn.context)
MAX_OPTIONS = 30  # buttons remembered from the latest keyboard, to be picked by typing
# Buttons staff press with care are never pressed by a typed number or word.
UNTYPED_ACTIONS = frozenset({"ls", "ann", "bc", "la", "lp", "lv", *insights.BUTTONS})
# Buttons that answer a yes/no question, for a typed "sí" or "no".
YES_BUTTONS = frozenset({("lc", "y"), ("del", "y"), ("lph", "y")})
NO_BUTTONS = frozenset({("lc", "n"), ("del", "n"), ("lph", "n")})


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
            await self._dispatch(turn, event)
        except AlreadyHandled:
            return Outcome()  # delivered twice: the first delivery already acted
        _remember_keyboard(turn)
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
            if event.text.strip():  # a photo or document with a caption: read the caption
                await self._text(turn, replace(event, kind="text"))
                if turn.outcome.replies and turn.outcome.replies[0].text:
                    first = turn.outcome.replies[0]
                    first.text = phrases.CAPTION_READ + "\n\n" + first.text
                return
            turn.say(Reply(phrases.MEDIA_REPLY.get(event.media, phrases.MEDIA_DEFAULT)))
        elif event.kind == "location":
            await self._location(turn, event)
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
            turn.say(keyboards.menu(phrases.GREETING))
        elif name in {"ayuda", "help"}:
            turn.say(Reply(phrases.HELP, buttons=[keyboards.menu_buttons()[0]]))
        elif name == "menu":
            turn.reset()
            turn.say(keyboards.menu())
        elif name == "cancelar":
            in_capture = turn.state in lead_capture.STATES
            turn.reset()
            turn.say(keyboards.menu(phrases.LEAD_CANCELLED if in_capture else phrases.CANCELLED))
        elif name == "novedades":
            await self._subscribe(turn)
        elif name == "baja":
            await self._unsubscribe(turn)
        elif name == "mis_datos":
            await self._my_data(turn, event)
        elif name == "borrar_mis_datos":
            if turn.changes.create_user:  # nothing stored: nothing to confirm, nothing to store
                turn.forget()
                turn.say(Reply(phrases.DELETED_NOTHING))
            else:
                self._ask_delete(turn)
        elif name in staff.COMMANDS | insights.COMMANDS:
            if not turn.is_admin:
                turn.say(Reply(phrases.STAFF_ONLY))
            elif not self._staff_place(event):
                turn.say(Reply(phrases.STAFF_PRIVATE_ONLY))
            elif name == "leads":
                await staff.summary(turn)
                await staff.open_leads(turn, 0)
            elif name == "nota":
                await staff.note(turn, event.payload)
            elif name == "recargar":
                await self._reload(turn)
            elif name == "anunciar":
                announce.start(turn)
            elif name == "pendientes":
                await insights.pending(turn)
            elif name == "estadisticas":
                await insights.statistics(turn)
            else:
                await staff.export(turn, self.db, event.payload)
        else:
            turn.say(Reply(phrases.UNKNOWN_COMMAND))

    async def _reload(self, turn: Turn) -> None:
        if self.reload_knowledge is None:
            turn.say(Reply(phrases.RELOAD_UNAVAILABLE))
            return
        at = utcnow()
        problems = self.reload_knowledge(at)
        if problems:
            shown = "\n".join(f"• {p}" for p in problems[:10])
            turn.say(Reply(phrases.RELOAD_REFUSED.format(count=len(problems), problems=shown)))
            return
        await request_knowledge_reload(await turn.transaction(), at)  # the other replicas follow
        kb = self.core().kb
        turn.say(Reply(phrases.RELOADED.format(entries=len(kb.entries), digest=kb.digest)))

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
            turn.say(Reply(entry.more or phrases.NO_MORE))
        elif action == "morec" and data.arg(0) in kb.cites:
            card = turn.core.answers.cite_card("", data.arg(0))
            turn.say(Reply(card.more or phrases.NO_MORE))
        elif action == "fb" and data.arg(0) in kb.entries and data.arg(1) in {"0", "1"}:
            useful = data.arg(1) == "1"
            turn.add_feedback(data.arg(0), useful)
            if useful:
                turn.say(Reply("", notice=phrases.FEEDBACK_THANKS))
            else:
                interested = Button(phrases.BUTTON_ADVISOR, cb.encode("lead", "e", data.arg(0)))
                turn.say(Reply(phrases.FEEDBACK_SORRY, buttons=[[interested]]))
        elif action == "none":
            turn.say(
                Reply(
                    phrases.FALLBACK,
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
            turn.say(Reply(phrases.LEAD_PRIVATE_ONLY))  # a phone and a RUC are not for a group
        elif action == "lead" and (topic := lead_capture.topic_for(turn, data.arg(0), data.arg(1))):
            await lead_capture.start(turn, data.arg(0), *topic)
        elif action == "hp":
            await handoff.request_person(turn, event)
        elif action == "hr":
            await handoff.on_rating(turn, data)
        elif action == "adv":
            question = str(turn.data.get("question") or "")
            label = question or phrases.ADVISOR_TOPIC
            await lead_capture.start(turn, "q", question or "asesoria", label[:300])
        elif action == "lc":
            await lead_capture.consent(turn, data.arg(0) == "y", event.user.first_name)
        elif action in {"ls", "ann", "bc", "la", "lp", "lv", *insights.BUTTONS}:
            if not turn.is_admin:
                turn.say(Reply(phrases.STAFF_ONLY))
            elif not self._staff_place(event):
                turn.say(Reply(phrases.STAFF_PRIVATE_ONLY))
            elif action == "ls":
                await staff.status_button(turn, data)
            elif action == "la":
                await staff.take_button(turn, data)
            elif action == "lp":
                await staff.page_button(turn, data)
            elif action == "lv":
                await staff.show_button(turn, data)
            elif action in insights.BUTTONS:
                await insights.on_button(turn, data)
            else:
                await announce.on_button(turn, data)
        elif action == "del" and data.arg(0) == "ask":
            self._ask_delete(turn)
        elif action == "del" and data.arg(0) in {"y", "n"}:
            await self._delete_my_data(turn, data.arg(0) == "y", data.arg(1))
        elif not await lead_capture.on_button(turn, data):
            turn.reset()
            turn.say(keyboards.menu(phrases.STALE_BUTTON))

    def _staff_place(self, event: Event) -> bool:
        """Staff tools show leads: only in a private chat or in the configured staff chat."""
        return event.private or (event.chat_id is not None and event.chat_id == self.staff_chat_id)

    async def _menu_choice(self, turn: Turn, choice: str, event: Event) -> None:
        kb = turn.core.kb
        turn.reset()
        if choice == "ask":
            turn.say(Reply(phrases.ASK_PROMPT))
        elif choice == "cite":
            self._find_cite(turn)
        elif choice == "cite_any":  # "Cambiar rubro o región": start over from the sector
            turn.say(keyboards.sectors(kb))
        elif choice == "fin":
            turn.say(finance.menu(kb))
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
        options = _options(turn)
        act = acts.read(text, options)
        in_capture = turn.state in lead_capture.STATES and "lead" in turn.data
        if act.kind in {"menu", "help", "exit", "back"}:
            self._navigate(turn, act.kind)
            return
        if act.kind == "pick" and (options or not in_capture):
            await self._pick(turn, event, act, options)
            return
        if act.kind in {"yes", "no"}:
            pressed = _answer_button(options, yes=act.kind == "yes")
            if pressed is not None:
                await self._button(turn, replace(event, kind="button", data=pressed))
                return
        if in_capture and await lead_capture.on_text(turn, event):
            return
        if turn.state == CITE_REGION and turn.data.get("sector") in turn.core.kb.sectors:
            region = turn.core.matcher.places.lookup(text)
            if region is not None:
                await self._cite_region_chosen(turn, turn.data["sector"], region)
                return
            if len(text.split()) <= 3 and act.kind == "none":
                reply = keyboards.regions(turn.core.kb, turn.data["sector"], 0)
                reply.text = (
                    phrases.CITE_REGION_NOT_FOUND.format(text=text.strip()[:60]) + "\n" + reply.text
                )
                turn.say(reply)
                return
            turn.reset()  # a longer message is a new question: leave the flow
        if act.kind in {"yes", "no"}:
            turn.reset()
            turn.say(
                Reply(
                    phrases.ACK if act.kind == "yes" else phrases.NO_ACK,
                    kind="ack",
                    buttons=[[keyboards.menu_button()]],
                )
            )
            return
        if act.kind == "person":
            await self._person(turn, event)
            return
        if act.kind == "frustration":
            turn.reset()
            turn.say(Reply(phrases.FRUSTRATION, buttons=_person_and_menu(), kind="frustration"))
            return
        if act.kind == "foreign":
            turn.reset()
            line = phrases.FOREIGN_EN if act.language == "en" else phrases.FOREIGN_QU
            turn.say(Reply(line, buttons=_person_and_menu(), kind="foreign"))
            return
        await self._question(turn, text)

    async def _question(self, turn: Turn, text: str) -> None:
        """Free text that is a question: the answers engine, read in the conversation's context."""
        result, understood = self._in_context(turn, text)
        if (
            result.kind == "greeting"
            and result.text == phrases.GREETING
            and not turn.changes.create_user
        ):
            # Already talking: a "hola, buenas tardes" needs a hello, not the whole welcome.
            turn.log_question(text, result.kind, None, result.score)
            turn.say(
                Reply(phrases.GREETING_AGAIN, buttons=[[keyboards.menu_button()]], kind="greeting")
            )
            return
        extraction = turn.core.matcher.extract(text)
        if (
            result.kind != "cites"
            and extraction.sector is None
            and turn.user.sector in turn.core.kb.sectors
            and acts.asks_for_own_cite(text)
        ):
            result = AskResult(question=text, kind="cites", text="")
        if result.kind == "cites":
            result = self._with_known_business(turn, result, extraction)
            profile = {k: v for k, v in (("sector", result.sector), ("region", result.region)) if v}
            if profile:
                turn.update_user(**profile)
        if result.kind in {"fallback", "suggestions"}:
            # The topic if they ask for an advisor, without the phone they may have typed.
            turn.data = {"question": turn.redact(text)[:300]}
        if understood:
            result = replace(
                result, text=phrases.UNDERSTOOD_ABOUT.format(topic=understood) + " " + result.text
            )
        turn.log_question(text, result.kind, result.entry_id, result.score)
        self._show(turn, result)
        if result.kind == "answer" and extraction.sector and extraction.business_cue:
            self._offer_cites(turn, extraction)

    def _in_context(self, turn: Turn, text: str) -> tuple[AskResult, str | None]:
        """The reply, and the topic it was read against when the message leaned on it."""
        plain = turn.core.answers.reply(text)
        topic = context.topic_of(turn.context, turn.core.kb)
        if topic is None or plain.kind == "greeting" or not context.leans_on_topic(text):
            return plain, None
        cue, rest = context.follow_up(text)
        if not cue and plain.kind in {"answer", "cites"}:
            return plain, None  # short, but it says what it is about
        contextual = turn.core.answers.reply(f"{topic.query} {rest}")
        # An entry, or one CITE's card (its data or the honest word that it lacks it).
        if contextual.kind == "answer" or (
            contextual.kind == "cites" and len(contextual.cites) == 1
        ):
            return contextual, topic.label
        return plain, None

    def _with_known_business(
        self, turn: Turn, result: AskResult, extraction: Extraction
    ) -> AskResult:
        """A CITE question without the business in it, from an owner who told us before."""
        kb = turn.core.kb
        sector = result.sector or extraction.sector or turn.user.sector
        region = result.region or extraction.region or turn.user.region
        if result.cites or sector not in kb.sectors:
            return result
        known = Extraction(
            sector=sector,
            region=region if region in kb.regions else None,
            needs=extraction.needs,
        )
        match = turn.core.matcher.result("", known)
        return replace(
            result, text=match.message, cites=match.cites, sector=known.sector, region=known.region
        )

    def _offer_cites(self, turn: Turn, extraction: Extraction) -> None:
        """After the answer to a mixed message, one line offering the CITEs for the business."""
        kb = turn.core.kb
        sector = extraction.sector
        if sector not in kb.sectors:
            return
        region = extraction.region if extraction.region in kb.regions else turn.user.region
        profile: dict[str, str] = {"sector": sector}
        if extraction.region in kb.regions:
            profile["region"] = extraction.region
        turn.update_user(**profile)
        business = kb.sectors[sector].name
        if region in kb.regions:
            business += f", {kb.regions[region].name}"
            data = cb.encode("cn", sector, region, "-")
        else:
            data = cb.encode("cs", sector)
        turn.say(
            Reply(
                phrases.CITE_OFFER.format(business=business),
                buttons=[[Button(phrases.BUTTON_CITE_OFFER, data)]],
                kind="cite_offer",
            )
        )

    def _show(self, turn: Turn, result: AskResult) -> None:
        metrics.REPLIES.inc(result.kind)
        context.remember(turn.context, result)
        reply = keyboards.ask_result(result)
        turn.say(reply)

    # -- message acts ------------------------------------------------------------------

    def _navigate(self, turn: Turn, kind: str) -> None:
        if kind == "menu":
            turn.reset()
            turn.say(keyboards.menu())
        elif kind == "help":
            turn.say(Reply(phrases.HELP, buttons=[keyboards.menu_buttons()[0]], kind="help"))
        elif kind == "exit":
            in_capture = turn.state in lead_capture.STATES
            turn.reset()
            turn.say(keyboards.menu(phrases.LEAD_CANCELLED if in_capture else phrases.CANCELLED))
        else:
            self._back(turn)

    def _back(self, turn: Turn) -> None:
        """One step back in the CITE flow; out of a capture (nothing stored); else the menu."""
        kb = turn.core.kb
        if turn.state in lead_capture.STATES:
            turn.reset()
            turn.say(keyboards.menu(phrases.LEAD_CANCELLED))
            return
        actions = [cb.decode(data) for _, data in turn.context.get("options", [])]
        needs = next((a for a in actions if a.action == "cn" and a.arg(0) in kb.sectors), None)
        if needs is not None:  # at the needs step: back to the regions of that sector
            turn.state, turn.data = CITE_REGION, {"sector": needs.arg(0)}
            turn.say(keyboards.regions(kb, needs.arg(0), 0))
            return
        turn.reset()
        if turn.state == CITE_REGION or any(a.action in {"cr", "crp"} for a in actions):
            turn.say(keyboards.sectors(kb))
            return
        turn.say(keyboards.menu(phrases.BACK_NOTHING))

    async def _pick(
        self, turn: Turn, event: Event, act: acts.Act, options: list[acts.Option]
    ) -> None:
        if act.index is None:
            if not options:
                turn.reset()
                turn.say(keyboards.menu(phrases.NO_OPTIONS))
                return
            rows = [[Button(o.label, o.data)] for o in options]
            text = phrases.PICK_OUT_OF_RANGE.format(number=act.number, count=len(options))
            turn.say(Reply(text, buttons=rows))
            return
        await self._button(turn, replace(event, kind="button", data=options[act.index].data))

    async def _person(self, turn: Turn, event: Event) -> None:
        """Asked for a person, in any wording: the same handoff as the button."""
        topic = context.topic_of(turn.context, turn.core.kb)
        if topic is not None and not turn.data.get("question"):
            # A lead left outside office hours is about what the owner was reading.
            turn.data["question"] = phrases.ADVISOR_ABOUT.format(topic=topic.label)
        await handoff.request_person(turn, event)

    async def _location(self, turn: Turn, event: Event) -> None:
        """A shared location sets the region: the nearest regional capital, named in the reply."""
        kb = turn.core.kb
        if event.latitude is None or event.longitude is None or not kb.regions:
            turn.say(Reply(phrases.MEDIA_REPLY["location"]))
            return
        lat, lon = event.latitude, event.longitude
        region = min(kb.regions.values(), key=lambda r: haversine_km(lat, lon, r.lat, r.lon))
        note = phrases.LOCATION_REGION.format(capital=region.capital, region=region.name)
        if turn.state in lead_capture.STATES and "lead" in turn.data:
            if turn.state == lead_capture.REGION:
                turn.say(Reply(note))
                await lead_capture.region_given(turn, region.id)
                return
            turn.say(Reply(phrases.MEDIA_REPLY["location"]))
            return
        if turn.state == CITE_REGION and turn.data.get("sector") in kb.sectors:
            turn.say(Reply(note))
            await self._cite_region_chosen(turn, turn.data["sector"], region.id)
            return
        turn.reset()
        turn.update_user(region=region.id)
        if turn.user.sector in kb.sectors:
            reply = keyboards.needs(kb, turn.user.sector, region.id)
        else:
            reply = keyboards.sectors(kb)
        reply.text = note + "\n\n" + reply.text
        turn.say(reply)

    # -- the CITE flow -------------------------------------------------------------------

    def _find_cite(self, turn: Turn) -> None:
        """The CITE flow, skipping what the owner already told us (rubro, región)."""
        kb = turn.core.kb
        sector, region = turn.user.sector, turn.user.region
        if sector not in kb.sectors:
            turn.say(keyboards.sectors(kb))
            return
        if region not in kb.regions:
            turn.state, turn.data = CITE_REGION, {"sector": sector}
            turn.say(keyboards.regions(kb, sector, 0))
            return
        reply = keyboards.needs(kb, sector, region)
        reply.text = phrases.CITE_KNOWN_PROFILE.format(
            sector=kb.sectors[sector].name, region=kb.regions[region].name
        )
        reply.buttons.append([Button(phrases.BUTTON_CHANGE_PROFILE, cb.encode("menu", "cite_any"))])
        turn.say(reply)

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
            turn.say(Reply(phrases.ALREADY_SUBSCRIBED))
            return
        turn.update_user(subscribed=True)
        turn.say(Reply(phrases.SUBSCRIBED))

    async def _unsubscribe(self, turn: Turn) -> None:
        if not turn.user.subscribed:
            turn.say(Reply(phrases.NOT_SUBSCRIBED))
            return
        turn.update_user(subscribed=False)
        turn.say(Reply(phrases.UNSUBSCRIBED))

    async def _my_data(self, turn: Turn, event: Event) -> None:
        if not event.private:  # a group would show the phone and RUC to all its members
            turn.say(Reply(phrases.MY_DATA_PRIVATE_ONLY))
            return
        if turn.changes.create_user:  # no row: never wrote, or erased their data
            turn.forget()  # asking what is stored must not store anything
            turn.say(Reply(phrases.MY_DATA_NONE))
            return
        user = turn.user
        session = await turn.transaction()
        kb = turn.core.kb
        lines = [
            phrases.MY_DATA_INTRO,
            phrases.MY_DATA_ID.format(id=user.id),
            phrases.MY_DATA_SINCE.format(date=user.created_at.strftime("%d/%m/%Y")),
            phrases.MY_DATA_SOURCE.format(source=user.source or "—"),
            phrases.MY_DATA_REGION.format(
                region=kb.regions[user.region].name if user.region in kb.regions else "—"
            ),
            phrases.MY_DATA_SECTOR.format(
                sector=kb.sectors[user.sector].name if user.sector in kb.sectors else "—"
            ),
            phrases.MY_DATA_NEWS.format(news="sí" if user.subscribed else "no"),
        ]
        count = await count_questions(session, user.id)
        if count:
            shown = await recent_questions(session, user.id, QUESTIONS_SHOWN)
            lines.append(phrases.MY_DATA_QUESTIONS_SHOWN.format(shown=len(shown), count=count))
            lines += [
                phrases.MY_DATA_QUESTION.format(
                    date=q.created_at.strftime("%d/%m/%Y"), text=q.question or "—"
                )
                for q in shown
            ]
            lines.append(phrases.MY_DATA_QUESTIONS_NOTE)
        else:
            lines.append(phrases.MY_DATA_QUESTIONS.format(count=0))
        leads = await leads_of_user(session, user.id)
        if leads:
            lines.append(phrases.MY_DATA_LEADS)
            lines += [
                phrases.MY_DATA_LEAD.format(
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
            lines.append(phrases.MY_DATA_HANDOFFS.format(handoffs=handoffs, messages=relayed))
            lines += [
                phrases.MY_DATA_HANDOFF_MESSAGE.format(
                    date=m.created_at.strftime("%d/%m/%Y"),
                    who=phrases.MY_DATA_HANDOFF_YOU
                    if m.direction == "in"
                    else (m.staff_name or phrases.HANDOFF_ADVISOR),
                    text=m.text[:200] or "—",
                )
                for m in await recent_messages(session, user.id, QUESTIONS_SHOWN)
            ]
        lines.append(phrases.MY_DATA_FOOTER)
        button = Button(phrases.BUTTON_DELETE_MY_DATA, cb.encode("del", "ask"))
        turn.say(Reply("\n".join(lines), buttons=[[button]]))

    def _ask_delete(self, turn: Turn, text: str = phrases.DELETE_CONFIRM) -> None:
        """Ask for confirmation with a one-time token: an old button cannot delete."""
        token = secrets.token_hex(4)
        turn.state = CONFIRM_DELETE
        turn.data = {"token": token, "asked_at": utcnow().isoformat()}
        turn.say(
            Reply(
                text,
                buttons=[
                    [Button(phrases.BUTTON_DELETE, cb.encode("del", "y", token))],
                    [Button(phrases.BUTTON_KEEP, cb.encode("del", "n", token))],
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
            turn.say(Reply(phrases.DELETE_KEPT))
            return
        if not self._confirmation_is_current(turn, token):
            self._ask_delete(turn, phrases.DELETE_STALE + "\n\n" + phrases.DELETE_CONFIRM)
            return
        turn.reset()
        if turn.changes.create_user:  # nothing was ever stored (or it was already erased)
            turn.forget()
            turn.say(Reply(phrases.DELETED_NOTHING, remove_keyboard=True))
            return
        erased = await erase_person(
            await turn.transaction(), turn.user.id, phrases.ERASED_TOPIC, phrases.STAFF_LEAD_ERASED
        )
        turn.forget()
        turn.outcome.staff_edits += [
            StaffEdit(
                shown.chat_id,
                shown.message_id,
                phrases.STAFF_LEAD_ERASED.format(reference=shown.reference),
            )
            for shown in erased.staff_messages
        ]
        for chat_id, thread_id in erased.topics:  # named after the person, full of their words
            turn.outcome.topics.append(
                TopicChange(
                    "delete",
                    chat_id,
                    0,
                    thread_id=thread_id,
                    name=phrases.STAFF_HANDOFF_ERASED_TOPIC,
                )
            )
        turn.outcome.staff_deletions += erased.relayed
        turn.say(Reply(phrases.DELETED, remove_keyboard=True))


def _options(turn: Turn) -> list[acts.Option]:
    stored = turn.context.get("options", [])
    return [
        acts.Option(str(o[0]), str(o[1])) for o in stored if isinstance(o, list) and len(o) == 2
    ]


def _remember_keyboard(turn: Turn) -> None:
    """The latest keyboard shown in this chat, so "2" or "la segunda" can press it later.

    Kept in the stored conversation: it works after a restart and on another replica.
    A reply with no buttons leaves nothing to pick; a toast alone changes nothing.
    """
    shown = [r for r in turn.outcome.replies if r.text or r.buttons or r.document or r.photo]
    if not shown:
        return
    options = [
        [b.label, b.data]
        for r in shown
        for row in r.buttons
        for b in row
        if cb.decode(b.data).action not in UNTYPED_ACTIONS
    ]
    if options:
        turn.context["options"] = options[:MAX_OPTIONS]
    else:
        turn.context.pop("options", None)


def _answer_button(options: list[acts.Option], yes: bool) -> str | None:
    """The button a typed "sí" (or "no") answers, when the latest keyboard asked one."""
    wanted = YES_BUTTONS if yes else NO_BUTTONS
    for option in options:
        data = cb.decode(option.data)
        if (data.action, data.arg(0)) in wanted:
            return option.data
    return None


def _person_and_menu() -> list[list[Button]]:
    return [[Button(phrases.BUTTON_PERSON, cb.encode("adv"))], *keyboards.menu_buttons()]
