"""Questions: free text answered from the knowledge base, read in the conversation's context.

Reached last, when no other flow took the message. The engine's reply was
found while reading it (reading.py); here it is shown, with what the
conversation already knows: the owner's business for a CITE question, a
warmer hello for someone already talking, the CITEs for a business described
in passing.
"""

from __future__ import annotations

from dataclasses import replace

from bot import metrics, phrases
from bot.answers.result import AskResult
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, context, keyboards
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.model import Button, Reply
from bot.dialogue.reading import Business, Reading
from bot.dialogue.turn import Turn
from bot.matching.matcher import Extraction

QUESTION_KEPT = 300  # characters of an unanswered question kept for an advisor


async def question(call: Call, reading: Reading) -> bool:
    turn, text = call.turn, reading.text
    result = reading.answer or turn.core.answers.reply(text)
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
        return True
    business = reading.business
    if (
        result.kind != "cites"
        and business.sector is None
        and turn.user.sector in turn.core.kb.sectors
        and reading.own_cite
    ):
        result = AskResult(question=text, kind="cites", text="")
    if result.kind == "cites":
        result = _with_known_business(turn, result, business)
        profile = {k: v for k, v in (("sector", result.sector), ("region", result.region)) if v}
        if profile:
            turn.update_user(**profile)
    if result.kind in {"fallback", "suggestions"}:
        # The topic if they ask for an advisor, without the phone they may have typed.
        turn.data = {"question": turn.redact(text)[:QUESTION_KEPT]}
    if reading.topic is not None:
        understood = phrases.UNDERSTOOD_ABOUT.format(topic=reading.topic.label)
        result = replace(result, text=understood + " " + result.text)
    turn.log_question(text, result.kind, result.entry_id, result.score)
    show(turn, result)
    if result.kind == "answer" and business.sector and business.cue:
        _offer_cites(turn, business)
    return True


def show(turn: Turn, result: AskResult) -> None:
    metrics.REPLIES.inc(result.kind)
    context.remember(turn.context, result)
    turn.say(keyboards.ask_result(result))


def _with_known_business(turn: Turn, result: AskResult, business: Business) -> AskResult:
    """A CITE question without the business in it, from an owner who told us before."""
    kb = turn.core.kb
    sector = result.sector or business.sector or turn.user.sector
    region = result.region or business.region or turn.user.region
    if result.cites or sector not in kb.sectors:
        return result
    known = Extraction(
        sector=sector,
        region=region if region in kb.regions else None,
        needs=list(business.needs),
    )
    match = turn.core.matcher.result("", known)
    return replace(
        result, text=match.message, cites=match.cites, sector=known.sector, region=known.region
    )


def _offer_cites(turn: Turn, business: Business) -> None:
    """After the answer to a mixed message, one line offering the CITEs for the business."""
    kb = turn.core.kb
    sector = business.sector
    if sector not in kb.sectors:
        return
    region = business.region if business.region in kb.regions else turn.user.region
    profile: dict[str, str] = {"sector": sector}
    if business.region in kb.regions:
        profile["region"] = business.region
    turn.update_user(**profile)
    name = kb.sectors[sector].name
    if region in kb.regions:
        name += f", {kb.regions[region].name}"
        data = cb.encode(codes.CITE_NEED, sector, region, "-")
    else:
        data = cb.encode(codes.CITE_SECTOR, sector)
    turn.say(
        Reply(
            phrases.CITE_OFFER.format(business=name),
            buttons=[[Button(phrases.BUTTON_CITE_OFFER, data)]],
            kind="cite_offer",
        )
    )


# -- the buttons under answers ----------------------------------------------------------------


async def entry_button(call: Call) -> bool:
    turn, entry_id = call.turn, call.data.arg(0)
    kb = turn.core.kb
    if entry_id not in kb.entries:
        return False
    turn.reset()
    show(turn, turn.core.answers.answer_entry(kb.entries[entry_id].title, entry_id))
    return True


async def more_button(call: Call) -> bool:
    entry = call.turn.core.kb.entries.get(call.data.arg(0))
    if entry is None:
        return False
    call.turn.say(Reply(entry.more or phrases.NO_MORE))
    return True


async def more_cite_button(call: Call) -> bool:
    turn, cite_id = call.turn, call.data.arg(0)
    if cite_id not in turn.core.kb.cites:
        return False
    card = turn.core.answers.cite_card("", cite_id)
    turn.say(Reply(card.more or phrases.NO_MORE))
    return True


async def feedback_button(call: Call) -> bool:
    turn, data = call.turn, call.data
    if data.arg(0) not in turn.core.kb.entries or data.arg(1) not in {"0", "1"}:
        return False
    useful = data.arg(1) == "1"
    turn.add_feedback(data.arg(0), useful)
    if useful:
        turn.say(Reply("", notice=phrases.FEEDBACK_THANKS))
    else:
        interested = Button(phrases.BUTTON_ADVISOR, cb.encode(codes.LEAD, "e", data.arg(0)))
        turn.say(Reply(phrases.FEEDBACK_SORRY, buttons=[[interested]]))
    return True


async def none_fits_button(call: Call) -> bool:
    call.turn.say(
        Reply(
            phrases.FALLBACK,
            buttons=[[keyboards.advisor_button()], [keyboards.menu_button()]],
        )
    )
    return True


async def ask_prompt(call: Call) -> None:
    call.turn.say(Reply(phrases.ASK_PROMPT))


async def media(call: Call) -> None:
    """A photo or document with a caption: the caption is read; without one, say what we read."""
    turn, event = call.turn, call.event
    if event.text.strip():
        await call.router.text(replace(call, event=replace(event, kind="text")))
        if turn.outcome.replies and turn.outcome.replies[0].text:
            first = turn.outcome.replies[0]
            first.text = phrases.CAPTION_READ + "\n\n" + first.text
        return
    turn.say(Reply(phrases.MEDIA_REPLY.get(event.media, phrases.MEDIA_DEFAULT)))


FLOW = Flow(
    name="questions",
    buttons={
        codes.ENTRY: entry_button,
        codes.MORE: more_button,
        codes.MORE_CITE: more_cite_button,
        codes.FEEDBACK: feedback_button,
        codes.NONE_FITS: none_fits_button,
    },
    menu={codes.MENU_ASK: ask_prompt},
    events={"media": media},
    texts=(TextStep(100, "pregunta a la base de conocimiento", question),),
)
