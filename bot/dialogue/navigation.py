"""Getting around: /start, the menu, help, leaving, going back, and picking by typing.

Owners navigate as they do on WhatsApp: they type "menú", "volver", "2" or
"sí" as often as they press a button. What such a message does was read
already (reading.py); this flow only acts on it. It also answers what is not
a question at all: a bare "sí" with nothing to agree to, a complaint, a
message in English or Quechua.
"""

from __future__ import annotations

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import cite_finder, codes, keyboards, lead_capture
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.model import Button, Reply
from bot.dialogue.options import remembered_options
from bot.dialogue.reading import Reading
from bot.dialogue.turn import Turn

NAVIGATION_ACTS = frozenset({"menu", "help", "exit", "back"})


async def start(call: Call) -> None:
    turn, event = call.turn, call.event
    turn.reset()
    if event.payload and not turn.user.source:
        turn.update_user(source=event.payload[:64])
    turn.say(keyboards.menu(phrases.GREETING))


async def help_(call: Call) -> None:
    call.turn.say(Reply(phrases.HELP, buttons=[keyboards.menu_buttons()[0]]))


async def menu(call: Call) -> None:
    call.turn.reset()
    call.turn.say(keyboards.menu())


async def cancel(call: Call) -> None:
    _leave(call.turn)


def _leave(turn: Turn) -> None:
    in_capture = turn.state in lead_capture.STATES
    turn.reset()
    turn.say(keyboards.menu(phrases.LEAD_CANCELLED if in_capture else phrases.CANCELLED))


async def menu_button(call: Call) -> bool:
    """A main-menu button: the flow that declared the choice takes it from a clean state."""
    call.turn.reset()
    await call.router.menu_choice(call, call.data.arg(0))
    return True


# -- typed navigation ---------------------------------------------------------------------


async def navigate(call: Call, reading: Reading) -> bool:
    turn, kind = call.turn, reading.act.kind
    if kind not in NAVIGATION_ACTS:
        return False
    if kind == "menu":
        turn.reset()
        turn.say(keyboards.menu())
    elif kind == "help":
        turn.say(Reply(phrases.HELP, buttons=[keyboards.menu_buttons()[0]], kind="help"))
    elif kind == "exit":
        _leave(turn)
    else:
        _back(turn)
    return True


def _back(turn: Turn) -> None:
    """One step back in the CITE flow; out of a capture (nothing stored); else the menu."""
    if turn.state in lead_capture.STATES:
        turn.reset()
        turn.say(keyboards.menu(phrases.LEAD_CANCELLED))
        return
    if not cite_finder.step_back(turn):
        turn.reset()
        turn.say(keyboards.menu(phrases.BACK_NOTHING))


async def pick(call: Call, reading: Reading) -> bool:
    """ "2" or "la segunda": the button it names is pressed; out of range, the options again.

    While a lead is captured with no keyboard shown, a number is an answer (a
    phone, a RUC), not a pick.
    """
    turn, act = call.turn, reading.act
    options = remembered_options(turn.context)
    if act.kind != "pick" or not (options or not lead_capture.in_capture(turn)):
        return False
    if reading.option is not None:
        await call.press(reading.option.data)
        return True
    if not options:
        turn.reset()
        turn.say(keyboards.menu(phrases.NO_OPTIONS))
        return True
    rows = [[Button(o.label, o.data)] for o in options]
    text = phrases.PICK_OUT_OF_RANGE.format(number=act.number, count=len(options))
    turn.say(Reply(text, buttons=rows))
    return True


async def answer_button(call: Call, reading: Reading) -> bool:
    """A typed "sí" or "no" when the latest keyboard asked a yes/no question: its button."""
    if reading.act.kind not in {"yes", "no"} or reading.option is None:
        return False
    await call.press(reading.option.data)
    return True


async def acknowledge(call: Call, reading: Reading) -> bool:
    """A "sí" or "no" with nothing asked: an acknowledgement, and the way to the menu."""
    if reading.act.kind not in {"yes", "no"}:
        return False
    call.turn.reset()
    call.turn.say(
        Reply(
            phrases.ACK if reading.act.kind == "yes" else phrases.NO_ACK,
            kind="ack",
            buttons=[[keyboards.menu_button()]],
        )
    )
    return True


async def frustration(call: Call, reading: Reading) -> bool:
    if reading.act.kind != "frustration":
        return False
    call.turn.reset()
    call.turn.say(Reply(phrases.FRUSTRATION, buttons=person_and_menu(), kind="frustration"))
    return True


async def foreign(call: Call, reading: Reading) -> bool:
    if reading.act.kind != "foreign":
        return False
    call.turn.reset()
    line = phrases.FOREIGN_EN if reading.act.language == "en" else phrases.FOREIGN_QU
    call.turn.say(Reply(line, buttons=person_and_menu(), kind="foreign"))
    return True


def person_and_menu() -> list[list[Button]]:
    # The older advisor button (a lead about the last question), as these replies always had.
    person = Button(phrases.BUTTON_PERSON, cb.encode(codes.ADVISOR_LEAD))
    return [[person], *keyboards.menu_buttons()]


FLOW = Flow(
    name="navigation",
    commands={"start": start, "ayuda": help_, "help": help_, "menu": menu, "cancelar": cancel},
    buttons={codes.MENU: menu_button},
    texts=(
        TextStep(10, "navegar (menú, volver, ayuda, salir)", navigate),
        TextStep(20, "elegir una opción por su número o nombre", pick),
        TextStep(30, "responder sí/no a la pregunta del teclado", answer_button),
        TextStep(60, "sí/no sin pregunta: acuse", acknowledge),
        TextStep(80, "frustración", frustration),
        TextStep(90, "otro idioma", foreign),
    ),
)
