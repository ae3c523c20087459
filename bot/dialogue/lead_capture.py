"""Lead capture: from "Me interesa" to a stored, consented lead.

consent → phone → business (optional) → RUC (optional) → region and sector
(only when the conversation has not told us) → stored → confirmation. An
owner who gave a phone for an earlier lead is only asked to confirm it, and
their business and RUC are not asked again.
Until the last step nothing personal is stored: what the user typed lives in
the conversation state, and declining or /cancelar discards it. The lead is
written in the same transaction that produces the confirmation, so the
confirmation is never sent for a lead that was not committed.
"""

from __future__ import annotations

import re
from typing import Any

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, keyboards
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.lead_store import store_lead
from bot.dialogue.model import Button, Event, Reply
from bot.dialogue.reading import Reading
from bot.dialogue.turn import Turn
from bot.language.normalize import normalize
from bot.storage.leads import latest_contact, open_lead
from bot.storage.models import utcnow
from bot.validation import check_phone, check_ruc

CONSENT, PHONE, BUSINESS, RUC, REGION, SECTOR = (
    "lead_consent",
    "lead_phone",
    "lead_business",
    "lead_ruc",
    "lead_region",
    "lead_sector",
)
STATES = frozenset({CONSENT, PHONE, BUSINESS, RUC, REGION, SECTOR})


def _skip(field: str) -> list[list[Button]]:
    return [[Button(phrases.BUTTON_SKIP, cb.encode(codes.LEAD_SKIP, field))]]


def topic_for(turn: Turn, kind: str, ref: str) -> tuple[str, str, str | None] | None:
    """(topic, label, cite) for a "Me interesa" button, or None when it is stale."""
    kb = turn.core.kb
    if kind == "e" and ref in kb.entries:
        return ref, kb.entries[ref].title, None
    if kind == "c" and ref in kb.cites:
        return ref, kb.cites[ref].short_name, ref
    return None


async def start(turn: Turn, kind: str, topic: str, label: str, cite: str | None = None) -> None:
    topic_kind = {"e": "entry", "c": "cite", "q": "question"}[kind]
    session = await turn.transaction()
    existing = await open_lead(session, turn.user.id, topic_kind, topic)
    if existing is not None:
        existing.updated_at = utcnow()
        session.add(existing)
        turn.reset()
        turn.say(Reply(phrases.LEAD_ALREADY.format(topic=label, reference=existing.reference)))
        return
    turn.state = CONSENT
    turn.data = {"lead": {"kind": topic_kind, "topic": topic, "label": label, "cite": cite}}
    turn.say(_consent_question(label))


def _consent_question(label: str) -> Reply:
    return Reply(
        phrases.CONSENT.format(topic=label),
        buttons=[
            [
                Button(phrases.BUTTON_ACCEPT, cb.encode(codes.LEAD_CONSENT, codes.YES)),
                Button(phrases.BUTTON_DECLINE, cb.encode(codes.LEAD_CONSENT, codes.NO)),
            ]
        ],
    )


async def consent(turn: Turn, accepted: bool, name: str | None) -> None:
    if turn.state != CONSENT:
        turn.reset()
        turn.say(keyboards.menu(phrases.STALE_BUTTON))
        return
    if not accepted:
        turn.reset()
        turn.say(keyboards.menu(phrases.CONSENT_DECLINED))
        return
    lead = turn.data["lead"]
    lead["consent_at"] = utcnow().isoformat()
    lead["name"] = (name or "")[:128] or None
    turn.state = PHONE
    earlier = await latest_contact(await turn.transaction(), turn.user.id)
    if earlier is not None and earlier.phone:
        lead["known"] = {
            "phone": earlier.phone,
            "business": earlier.business_name,
            "ruc": earlier.ruc,
        }
        turn.say(_ask_same_phone(earlier.phone))
        return
    turn.say(Reply(phrases.ASK_PHONE, request_contact=True))


def _ask_same_phone(phone: str) -> Reply:
    return Reply(
        phrases.PHONE_KNOWN.format(phone=phone),
        buttons=[
            [Button(phrases.BUTTON_SAME_PHONE, cb.encode(codes.LEAD_SAME_PHONE, codes.YES))],
            [Button(phrases.BUTTON_OTHER_PHONE, cb.encode(codes.LEAD_SAME_PHONE, codes.NO))],
        ],
    )


YES = frozenset({"si", "sí", "acepto", "ok", "dale", "claro", "de acuerdo", "bueno", "ya"})
NO = frozenset({"no", "no gracias", "no acepto", "nop"})
# "¿para qué quieren mi número?": the reason, then the same question again.
WHY = re.compile(
    r"\b(para que|por que|porque|pa que|xq|pq|con que fin|que van a hacer con)\b.*"
    r"\b(numero|telefono|celular|cel|datos|ruc|nombre|quieren|necesitan|piden|lo|los)\b"
)
# "no tengo RUC", "todavía no", "no": an optional answer the owner does not have.
NOT_HAVE = re.compile(
    r"^(no|nop|ninguno|ninguna|nada|sin ruc|sin nombre|no se|no lo se|no recuerdo|"
    r"(aun|todavia|tampoco) no( tengo)?( ruc| nombre)?|no (tengo|tiene|cuento con|hay)( ruc| nombre"
    r"| todavia| aun)?( todavia| aun)?|no tengo ni ruc|aun no tengo ruc|todavia no tengo ruc)$"
)


async def on_text(turn: Turn, event: Event) -> bool:
    """Text typed while a lead is being captured; False when it is not an answer to it.

    At the consent question anything but a yes or a no means the person moved
    on: the capture is dropped (nothing was stored) and the text is handled as
    a new message.
    """
    lead: dict[str, Any] = turn.data["lead"]
    text = event.text.strip()
    normal = normalize(text).strip(" !.")
    if turn.state in {CONSENT, PHONE, BUSINESS, RUC} and WHY.search(normal):
        _explain(turn)
        return True
    if turn.state == CONSENT:
        if normal in YES or normal in NO:
            await consent(turn, normal in YES, event.user.first_name)
            return True
        turn.reset()
        return False
    if turn.state == PHONE:
        if not any(ch.isdigit() for ch in text):
            # "hola", "no entiendo": not a phone typed wrong, so say what is needed and how out.
            turn.say(Reply(phrases.PHONE_NEEDED, request_contact=True))
            return True
        await _phone(turn, text)
    elif turn.state == BUSINESS:
        if NOT_HAVE.match(normal):
            _ask_ruc(turn)
            return True
        lead["business"] = text[:160] or None
        _ask_ruc(turn)
    elif turn.state == RUC:
        if NOT_HAVE.match(normal):
            lead["ruc"] = None
            lead.setdefault("skipped", []).append("ruc")
            await _next(turn)
            return True
        checked = check_ruc(text)
        if not checked.ok:
            turn.say(Reply(phrases.RUC_PROBLEMS[checked.problem or "length"], buttons=_skip("ruc")))
            return True
        lead["ruc"] = checked.value
        await _next(turn)
    elif turn.state == REGION:
        region = turn.core.matcher.places.lookup(text)
        if region is None:
            turn.say(Reply(phrases.LEAD_REGION_NOT_FOUND, buttons=_skip("region")))
            return True
        await region_given(turn, region)
    elif turn.state == SECTOR:
        hits = turn.core.matcher.sectors.find(text)
        if hits:
            lead["sector"] = hits[0].id
            await _next(turn)
        else:
            _ask_sector(turn)
    return True


async def region_given(turn: Turn, region: str) -> None:
    """The region, typed or from a shared location, at the region step."""
    turn.data["lead"]["region"] = region
    await _next(turn)


def _explain(turn: Turn) -> None:
    """Why we ask, with the consent text when it was not given yet; then the same step."""
    lead = turn.data["lead"]
    why = phrases.WHY_WE_ASK.format(topic=lead["label"])
    if turn.state == CONSENT:
        turn.say(Reply(why))
        turn.say(_consent_question(lead["label"]))
    elif turn.state == PHONE:
        known = lead.get("known") or {}
        if known.get("phone"):
            turn.say(Reply(why))
            turn.say(_ask_same_phone(known["phone"]))
        else:
            turn.say(Reply(why + "\n\n" + phrases.ASK_PHONE, request_contact=True))
    elif turn.state == BUSINESS:
        turn.say(Reply(why + "\n\n" + phrases.ASK_BUSINESS, buttons=_skip("business")))
    else:
        turn.say(Reply(why + "\n\n" + phrases.ASK_RUC, buttons=_skip("ruc")))


async def on_contact(turn: Turn, event: Event) -> None:
    if turn.state != PHONE:
        turn.say(Reply(phrases.CONTACT_UNEXPECTED, remove_keyboard=True))
        return
    if not event.contact_is_own:
        # A card from the address book: staff would call someone who never gave consent.
        turn.say(Reply(phrases.CONTACT_NOT_OWN, request_contact=True))
        return
    if event.text and not turn.data["lead"].get("name"):
        turn.data["lead"]["name"] = event.text[:128]
    await _phone(turn, event.phone)


async def on_button(turn: Turn, data: cb.Callback) -> bool:
    """Buttons of the capture flow; False when the button is not one of them."""
    if data.action == codes.LEAD_SKIP and turn.state in STATES:
        field = data.arg(0)
        if field == "business" and turn.state == BUSINESS:
            _ask_ruc(turn)
        elif field in {"ruc", "region", "sector"} and turn.state in {RUC, REGION, SECTOR}:
            turn.data["lead"][field] = None
            turn.data["lead"].setdefault("skipped", []).append(field)
            await _next(turn)
        else:
            return False
        return True
    if data.action == codes.LEAD_SAME_PHONE and turn.state == PHONE:
        known = turn.data["lead"].get("known") or {}
        if data.arg(0) == codes.YES and known.get("phone"):
            await _phone(turn, known["phone"])
        else:
            turn.data["lead"].pop("known", None)
            turn.say(Reply(phrases.ASK_PHONE, request_contact=True))
        return True
    if (
        data.action == codes.LEAD_SECTOR
        and turn.state == SECTOR
        and data.arg(0) in turn.core.kb.sectors
    ):
        turn.data["lead"]["sector"] = data.arg(0)
        await _next(turn)
        return True
    return False


async def _phone(turn: Turn, text: str) -> None:
    checked = check_phone(text)
    if not checked.ok:
        turn.say(Reply(phrases.PHONE_INVALID, request_contact=True))
        return
    lead = turn.data["lead"]
    lead["phone"] = checked.value
    known = lead.pop("known", None)
    if known:  # given for an earlier lead: not asked again
        lead["business"] = known.get("business")
        lead["ruc"] = known.get("ruc")
        await _next(turn)
        return
    turn.state = BUSINESS
    turn.say(Reply(phrases.ASK_BUSINESS, buttons=_skip("business"), remove_keyboard=True))


def _ask_ruc(turn: Turn) -> None:
    turn.state = RUC
    turn.say(Reply(phrases.ASK_RUC, buttons=_skip("ruc")))


def _ask_sector(turn: Turn) -> None:
    turn.state = SECTOR
    rows = [
        [Button(s.name, cb.encode(codes.LEAD_SECTOR, s.id))] for s in turn.core.kb.sectors.values()
    ]
    turn.say(Reply(phrases.ASK_LEAD_SECTOR, buttons=[*rows, *_skip("sector")]))


async def _next(turn: Turn) -> None:
    """Ask for what is still missing, or store the lead."""
    lead = turn.data["lead"]
    skipped = set(lead.get("skipped", []))
    kb = turn.core.kb
    cite = kb.cites.get(lead.get("cite") or "")
    if "region" not in lead:
        lead["region"] = turn.user.region or (cite.region if cite else None)
    if "sector" not in lead and turn.user.sector:
        lead["sector"] = turn.user.sector
    if "sector" not in lead and cite is not None and len(cite.sectors) == 1:
        lead["sector"] = cite.sectors[0]
    if lead.get("region") is None and "region" not in skipped:
        turn.state = REGION
        turn.say(Reply(phrases.ASK_LEAD_REGION, buttons=_skip("region")))
        return
    if lead.get("sector") is None and "sector" not in skipped:
        _ask_sector(turn)
        return
    await store_lead(turn)


def in_capture(turn: Turn) -> bool:
    return turn.state in STATES and "lead" in turn.data


def answers_with_personal_data(turn: Turn) -> bool:
    """Past the consent, every typed text is the phone, business, RUC, region or sector."""
    return in_capture(turn) and turn.state != CONSENT


# -- what the flow answers --------------------------------------------------------------------


def _private(call: Call) -> bool:
    """A phone and a RUC are not for a group: these buttons work in a private chat only."""
    if not call.event.private:
        call.turn.say(Reply(phrases.LEAD_PRIVATE_ONLY))
    return call.event.private


async def lead_button(call: Call) -> bool:
    if not _private(call):
        return True
    data = call.data
    topic = topic_for(call.turn, data.arg(0), data.arg(1))
    if topic is None:
        return False
    await start(call.turn, data.arg(0), *topic)
    return True


async def advisor_button(call: Call) -> bool:
    """The older advisor buttons: a lead about the question left unanswered."""
    if not _private(call):
        return True
    turn = call.turn
    question = str(turn.data.get("question") or "")
    label = question or phrases.ADVISOR_TOPIC
    await start(turn, "q", question or "asesoria", label[:300])
    return True


async def consent_button(call: Call) -> bool:
    if not _private(call):
        return True
    await consent(call.turn, call.data.arg(0) == codes.YES, call.event.user.first_name)
    return True


async def step_button(call: Call) -> bool:
    return await on_button(call.turn, call.data)


async def contact(call: Call) -> None:
    await on_contact(call.turn, call.event)


async def answer(call: Call, _reading: Reading) -> bool:
    return in_capture(call.turn) and await on_text(call.turn, call.event)


FLOW = Flow(
    name="lead_capture",
    buttons={
        codes.LEAD: lead_button,
        codes.ADVISOR_LEAD: advisor_button,
        codes.LEAD_CONSENT: consent_button,
        codes.LEAD_SKIP: step_button,
        codes.LEAD_SAME_PHONE: step_button,
        codes.LEAD_SECTOR: step_button,
    },
    events={"contact": contact},
    texts=(TextStep(40, "respuesta a la captura del contacto", answer),),
    states=STATES,
    private_text=answers_with_personal_data,
)
