"""The router: the dispatch is what the flows declare, checked when it is built."""

from __future__ import annotations

import dataclasses

import pytest

from bot import phrases
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, staff
from bot.dialogue.conversation import FLOWS, Dialogue
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.model import Event, Outcome, Reply, UserRef
from bot.dialogue.reading import Reading
from bot.dialogue.router import DuplicateClaim, Router
from bot.storage.db import Database

OWNER = UserRef(1001, "Ana")
ADMIN = UserRef(9999, "Equipo")


async def pong(call: Call) -> None:
    call.turn.say(Reply("pong"))


async def take_everything(call: Call, _reading: Reading) -> bool:
    call.turn.say(Reply("tomado"))
    return True


async def press_anything(call: Call) -> bool:
    call.turn.say(Reply("presionado"))
    return True


def dialogue(db: Database, core: Core, flows: tuple[Flow, ...] = FLOWS) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({ADMIN.id}), flows=flows)


def replaced(flow: Flow, **changes: object) -> tuple[Flow, ...]:
    return tuple(dataclasses.replace(f, **changes) if f is flow else f for f in FLOWS)  # type: ignore[arg-type]


async def command(d: Dialogue, name: str, user: UserRef = OWNER) -> Outcome:
    return await d.handle(Event(user=user, kind="command", command=name))


async def say(d: Dialogue, words: str) -> Outcome:
    return await d.handle(Event(user=OWNER, kind="text", text=words))


def test_every_button_code_is_answered_by_exactly_one_flow() -> None:
    assert set(Router(FLOWS).buttons) == codes.CODES


def test_the_staff_buttons_are_the_staff_flows_buttons_written_once() -> None:
    router = Router(FLOWS)
    assert router.staff_buttons == {
        code for flow in FLOWS if flow.staff_only for code in flow.buttons
    }
    assert router.staff_buttons == {"ls", "la", "lp", "lv", "ann", "bc", "rv"}


@pytest.mark.parametrize(
    "clash",
    [
        Flow("other", commands={"menu": pong}),
        Flow("other", buttons={codes.CITE_SECTOR: press_anything}),
        Flow("other", menu={codes.MENU_CITE: pong}),
        Flow("other", states=frozenset({"handoff"})),
        Flow("other", texts=(TextStep(100, "también", take_everything),)),
    ],
)
def test_two_flows_claiming_the_same_thing_is_refused(clash: Flow) -> None:
    with pytest.raises(DuplicateClaim, match="other"):
        Router((*FLOWS, clash))


async def test_a_new_staff_command_is_one_edit_in_the_staff_flow(db: Database, core: Core) -> None:
    flows = replaced(staff.FLOW, commands={**staff.FLOW.commands, "ping": pong})
    d = dialogue(db, core, flows)
    assert (await command(d, "ping", ADMIN)).replies[0].text == "pong"
    refused = await command(d, "ping", OWNER)
    assert refused.replies[0].text == phrases.STAFF_ONLY
    assert "staff: rechazado" in refused.explanation
    unknown = await command(dialogue(db, core), "ping", ADMIN)
    assert unknown.replies[0].text == phrases.UNKNOWN_COMMAND


async def test_text_goes_through_the_steps_in_their_declared_order(
    db: Database, core: Core
) -> None:
    first = Flow("first", texts=(TextStep(5, "todo", take_everything),))
    d = dialogue(db, core, (*FLOWS, first))
    outcome = await say(d, "menu")
    assert outcome.replies[0].text == "tomado"
    assert outcome.explanation.splitlines()[-1].endswith("first: todo")
    assert (await say(dialogue(db, core), "menu")).replies[0].text == phrases.MENU_PROMPT


async def test_a_typed_number_presses_the_button_and_the_route_shows_both(
    db: Database, core: Core
) -> None:
    d = dialogue(db, core)
    await command(d, "start")
    outcome = await say(d, "2")  # "Encontrar un CITE"
    route = outcome.explanation.splitlines()[-1]
    assert route.index("navigation: elegir") < route.index("navigation: [menu]")
    assert "cite_finder: menú cite" in route
    assert outcome.replies[0].text == phrases.CITE_ASK_SECTOR


async def test_a_button_no_flow_takes_is_stale(db: Database, core: Core) -> None:
    d = dialogue(db, core)
    for data in ("zz:1", cb.encode(codes.ENTRY, "no-such-entry"), cb.encode(codes.HANDOFF_END)):
        outcome = await d.handle(Event(user=OWNER, kind="button", data=data))
        assert outcome.replies[0].text == phrases.STALE_BUTTON
        assert "caducado" in outcome.explanation


async def test_staff_buttons_are_refused_to_owners_before_any_flow_runs(
    db: Database, core: Core
) -> None:
    d = dialogue(db, core)
    for code in Router(FLOWS).staff_buttons:
        outcome = await d.handle(Event(user=OWNER, kind="button", data=cb.encode(code, 1)))
        assert [r.text for r in outcome.replies] == [phrases.STAFF_ONLY]
    in_a_group = Event(
        user=ADMIN, kind="button", data=cb.encode(codes.LEAD_PAGE, 0), private=False, chat_id=-5
    )
    assert (await d.handle(in_a_group)).replies[0].text == phrases.STAFF_PRIVATE_ONLY


async def test_a_phone_typed_into_a_capture_is_read_without_the_engine(
    db: Database, core: Core
) -> None:
    d = dialogue(db, core)
    await d.handle(Event(user=OWNER, kind="button", data=cb.encode(codes.ADVISOR_LEAD)))
    await say(d, "sí")  # the consent
    outcome = await say(d, "987 654 321")
    assert "datos personales" in outcome.explanation
    assert "lead_capture: respuesta a la captura" in outcome.explanation
