"""The CITE finder: sector, then region, then need, and the CITEs that fit.

What the owner told us before (rubro, región) is not asked again. The region
can be typed ("Arequipa"), picked from pages of buttons, or sent as a
location; the nearest regional capital then names it.
"""

from __future__ import annotations

from bot import phrases
from bot.answers.result import AskResult
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, keyboards, lead_capture
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.model import Button, Reply
from bot.dialogue.options import remembered_options
from bot.dialogue.reading import Reading
from bot.dialogue.turn import CITE_REGION, Turn
from bot.matching.matcher import Extraction
from bot.matching.places import haversine_km

REGION_WORDS = 3  # a longer message while the region is asked is a new question


def find_cite(turn: Turn) -> None:
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
    change = Button(phrases.BUTTON_CHANGE_PROFILE, cb.encode(codes.MENU, codes.MENU_CITE_ANY))
    reply.buttons.append([change])
    turn.say(reply)


def region_chosen(turn: Turn, sector: str, region: str) -> None:
    turn.reset()
    turn.update_user(sector=sector, region=region)
    turn.say(keyboards.needs(turn.core.kb, sector, region))


def step_back(turn: Turn) -> bool:
    """One step back in the finder; False when the conversation is not in it."""
    kb = turn.core.kb
    actions = [cb.decode(o.data) for o in remembered_options(turn.context)]
    needs = next(
        (a for a in actions if a.action == codes.CITE_NEED and a.arg(0) in kb.sectors), None
    )
    if needs is not None:  # at the needs step: back to the regions of that sector
        turn.state, turn.data = CITE_REGION, {"sector": needs.arg(0)}
        turn.say(keyboards.regions(kb, needs.arg(0), 0))
        return True
    turn.reset()
    # Decided by the keyboard alone: the state was always reset before it was looked at.
    at_regions = any(a.action in {codes.CITE_REGION, codes.CITE_REGION_PAGE} for a in actions)
    if at_regions:
        turn.say(keyboards.sectors(kb))
    return at_regions


# -- its buttons -----------------------------------------------------------------------------


async def sector_button(call: Call) -> bool:
    turn, data, kb = call.turn, call.data, call.turn.core.kb
    if data.arg(0) not in kb.sectors:
        return False
    turn.state, turn.data = CITE_REGION, {"sector": data.arg(0)}
    turn.say(keyboards.regions(kb, data.arg(0), 0))
    return True


async def region_page_button(call: Call) -> bool:
    turn, data, kb = call.turn, call.data, call.turn.core.kb
    page = cb.number(data.arg(1))
    if data.arg(0) not in kb.sectors or page is None:
        return False
    turn.state, turn.data = CITE_REGION, {"sector": data.arg(0)}
    turn.say(keyboards.regions(kb, data.arg(0), page))
    return True


async def region_button(call: Call) -> bool:
    data, kb = call.data, call.turn.core.kb
    if data.arg(0) not in kb.sectors or data.arg(1) not in kb.regions:
        return False
    region_chosen(call.turn, data.arg(0), data.arg(1))
    return True


async def need_button(call: Call) -> bool:
    turn, data, kb = call.turn, call.data, call.turn.core.kb
    sector, region, need = data.arg(0), data.arg(1), data.arg(2)
    if sector not in kb.sectors or region not in kb.regions:
        return False
    if need not in kb.needs and need != "-":
        return False
    turn.reset()
    extraction = Extraction(sector=sector, region=region, needs=[] if need == "-" else [need])
    result = turn.core.matcher.result("", extraction)
    ask = AskResult(question="", kind="cites", text=result.message, cites=result.cites)
    turn.say(keyboards.ask_result(ask))
    return True


async def from_menu(call: Call) -> None:
    find_cite(call.turn)


async def from_the_start(call: Call) -> None:
    """ "Cambiar rubro o región": start over from the sector."""
    call.turn.say(keyboards.sectors(call.turn.core.kb))


# -- typed or shared region ----------------------------------------------------------------


async def typed_region(call: Call, reading: Reading) -> bool:
    """The region asked for, typed; a short unknown word asks again; a longer text moves on."""
    turn = call.turn
    if turn.state != CITE_REGION or turn.data.get("sector") not in turn.core.kb.sectors:
        return False
    sector = str(turn.data["sector"])
    if reading.region is not None:
        region_chosen(turn, sector, reading.region)
        return True
    text = reading.text
    if len(text.split()) <= REGION_WORDS and reading.act.kind == "none":
        reply = keyboards.regions(turn.core.kb, sector, 0)
        reply.text = (
            phrases.CITE_REGION_NOT_FOUND.format(text=text.strip()[:60]) + "\n" + reply.text
        )
        turn.say(reply)
        return True
    turn.reset()  # a longer message is a new question: leave the flow
    return False


async def location(call: Call) -> None:
    """A shared location sets the region: the nearest regional capital, named in the reply."""
    turn, event, kb = call.turn, call.event, call.turn.core.kb
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
        region_chosen(turn, turn.data["sector"], region.id)
        return
    turn.reset()
    turn.update_user(region=region.id)
    if turn.user.sector in kb.sectors:
        reply = keyboards.needs(kb, turn.user.sector, region.id)
    else:
        reply = keyboards.sectors(kb)
    reply.text = note + "\n\n" + reply.text
    turn.say(reply)


FLOW = Flow(
    name="cite_finder",
    buttons={
        codes.CITE_SECTOR: sector_button,
        codes.CITE_REGION_PAGE: region_page_button,
        codes.CITE_REGION: region_button,
        codes.CITE_NEED: need_button,
    },
    menu={codes.MENU_CITE: from_menu, codes.MENU_CITE_ANY: from_the_start},
    events={"location": location},
    texts=(TextStep(50, "la región que pidió el buscador de CITE", typed_region),),
    states=frozenset({CITE_REGION}),
)
