"""The owner's data: /mis_datos shows all that is stored, /borrar_mis_datos erases it.

Erasure asks first, with a one-time token in the button, so an old keyboard
cannot delete; it also edits staff's lead cards and deletes the handoff
topics, which carry the person's name and words.
"""

from __future__ import annotations

import datetime as dt
import secrets

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.flow import Call, Flow
from bot.dialogue.model import Button, Event, Reply, StaffEdit, TopicChange
from bot.dialogue.turn import Turn
from bot.storage.erasure import erase_person
from bot.storage.handoffs import count_handoffs, recent_messages
from bot.storage.leads import leads_of_user
from bot.storage.models import utcnow
from bot.storage.questions import count_questions, recent_questions

CONFIRM_DELETE = "confirm_delete"  # /borrar_mis_datos asked; the button must carry its token
CONFIRM_DELETE_VALID = dt.timedelta(minutes=15)
QUESTIONS_SHOWN = 10


async def show(turn: Turn, event: Event) -> None:
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
    button = Button(phrases.BUTTON_DELETE_MY_DATA, cb.encode(codes.DELETE, "ask"))
    turn.say(Reply("\n".join(lines), buttons=[[button]]))


def ask_delete(turn: Turn, text: str = phrases.DELETE_CONFIRM) -> None:
    """Ask for confirmation with a one-time token: an old button cannot delete."""
    token = secrets.token_hex(4)
    turn.state = CONFIRM_DELETE
    turn.data = {"token": token, "asked_at": utcnow().isoformat()}
    turn.say(
        Reply(
            text,
            buttons=[
                [Button(phrases.BUTTON_DELETE, cb.encode(codes.DELETE, codes.YES, token))],
                [Button(phrases.BUTTON_KEEP, cb.encode(codes.DELETE, codes.NO, token))],
            ],
        )
    )


def _confirmation_is_current(turn: Turn, token: str) -> bool:
    if turn.state != CONFIRM_DELETE or not token or turn.data.get("token") != token:
        return False
    try:
        asked = dt.datetime.fromisoformat(str(turn.data.get("asked_at")))
    except ValueError:
        return False
    return utcnow() - asked <= CONFIRM_DELETE_VALID


async def delete(turn: Turn, confirmed: bool, token: str) -> None:
    if not confirmed:
        turn.reset()
        turn.say(Reply(phrases.DELETE_KEPT))
        return
    if not _confirmation_is_current(turn, token):
        ask_delete(turn, phrases.DELETE_STALE + "\n\n" + phrases.DELETE_CONFIRM)
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


async def my_data(call: Call) -> None:
    await show(call.turn, call.event)


async def erase(call: Call) -> None:
    turn = call.turn
    if turn.changes.create_user:  # nothing stored: nothing to confirm, nothing to store
        turn.forget()
        turn.say(Reply(phrases.DELETED_NOTHING))
        return
    ask_delete(turn)


async def delete_button(call: Call) -> bool:
    data = call.data
    if data.arg(0) == "ask":
        ask_delete(call.turn)
        return True
    if data.arg(0) in {codes.YES, codes.NO}:
        await delete(call.turn, data.arg(0) == codes.YES, data.arg(1))
        return True
    return False


FLOW = Flow(
    name="my_data",
    commands={"mis_datos": my_data, "borrar_mis_datos": erase},
    buttons={codes.DELETE: delete_button},
    menu={codes.MENU_DATA: my_data},
    states=frozenset({CONFIRM_DELETE}),
)
