"""The dispatch, built from what the flows declare (flow.py), and nothing decided here.

The router only looks things up: a command by name, a button by its code, a
menu choice, an event kind; free text goes through the flows' text steps in
their declared order until one takes it. Two flows claiming the same command,
code, choice, state or place in the order is a programming error, refused
when the router is built (so at import, in every test). Every step taken is
recorded on the turn, for --explain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from bot import phrases
from bot.dialogue import context, keyboards
from bot.dialogue.flow import ButtonStep, Call, Flow, Step, TextStep
from bot.dialogue.model import Event, Reply
from bot.dialogue.options import remembered_options
from bot.dialogue.reading import Situation, read
from bot.dialogue.turn import CITE_REGION, Turn


class DuplicateClaim(ValueError):
    """Two flows declared the same command, button code, menu choice, state or text order."""


T = TypeVar("T")


def _add(table: dict[str, tuple[Flow, T]], key: str, flow: Flow, step: T, what: str) -> None:
    if key in table:
        raise DuplicateClaim(f"{what} {key!r}: {table[key][0].name} and {flow.name}")
    table[key] = (flow, step)


class Router:
    def __init__(self, flows: Sequence[Flow]) -> None:
        self.flows = tuple(flows)
        self.commands: dict[str, tuple[Flow, Step]] = {}
        self.buttons: dict[str, tuple[Flow, ButtonStep]] = {}
        self.menu: dict[str, tuple[Flow, Step]] = {}
        self.events: dict[str, tuple[Flow, Step]] = {}
        self.states: dict[str, Flow] = {}
        texts: dict[int, tuple[Flow, TextStep]] = {}
        for flow in self.flows:
            for name, step in flow.commands.items():
                _add(self.commands, name, flow, step, "command")
            for code, pressed in flow.buttons.items():
                _add(self.buttons, code, flow, pressed, "button code")
            for choice, step in flow.menu.items():
                _add(self.menu, choice, flow, step, "menu choice")
            for kind, step in flow.events.items():
                _add(self.events, kind, flow, step, "event")
            for state in flow.states:
                if state in self.states:
                    raise DuplicateClaim(f"state {state!r}: {self.states[state].name}, {flow.name}")
                self.states[state] = flow
            for text in flow.texts:
                if text.order in texts:
                    other = texts[text.order][0].name
                    raise DuplicateClaim(f"text order {text.order}: {other} and {flow.name}")
                texts[text.order] = (flow, text)
        self.texts = [texts[order] for order in sorted(texts)]
        # Buttons staff press with care are never pressed by a typed number or word.
        self.staff_buttons = frozenset(
            code for code, (flow, _) in self.buttons.items() if flow.staff_only
        )

    async def dispatch(self, call: Call) -> None:
        for flow in self.flows:
            if flow.takes_over is not None and await flow.takes_over(call):
                _took(call, flow, "toma el control")
                return
        kind = call.event.kind
        if kind == "command":
            await self.command(call)
        elif kind == "button":
            await self.button(call)
        elif kind in self.events:
            flow, step = self.events[kind]
            _took(call, flow, kind)
            await step(call)
        else:
            await self.text(call)

    async def command(self, call: Call) -> None:
        name = call.event.command
        if name not in self.commands:
            _took(call, None, f"/{name} desconocido")
            call.turn.say(Reply(phrases.UNKNOWN_COMMAND))
            return
        flow, step = self.commands[name]
        if flow.staff_only and not self._staff_may(call, flow):
            return
        _took(call, flow, f"/{name}")
        await step(call)

    async def button(self, call: Call) -> None:
        code = call.data.action
        found = self.buttons.get(code)
        if found is not None:
            flow, pressed = found
            if flow.staff_only and not self._staff_may(call, flow):
                return
            mark = len(call.turn.route)
            if await pressed(call):
                _took(call, flow, f"[{code}]", mark)
                return
        _took(call, None, f"[{code}] caducado")
        call.turn.reset()
        call.turn.say(keyboards.menu(phrases.STALE_BUTTON))

    async def menu_choice(self, call: Call, choice: str) -> None:
        if choice not in self.menu:
            call.turn.say(keyboards.menu())
            return
        flow, step = self.menu[choice]
        _took(call, flow, f"menú {choice}")
        await step(call)

    async def text(self, call: Call) -> None:
        turn = call.turn
        private = any(f.private_text(turn) for f in self.flows if f.private_text is not None)
        reading = read(call.event.text, situation_of(turn, private), turn.core)
        turn.readings.append(reading)
        mark = len(turn.route)
        for flow, step in self.texts:
            if await step.run(call, reading):
                _took(call, flow, step.name, mark)
                return

    def _staff_may(self, call: Call, flow: Flow) -> bool:
        """Admins only, and only where leads may be shown: private, or the staff chat."""
        turn = call.turn
        if not turn.is_admin:
            turn.say(Reply(phrases.STAFF_ONLY))
        elif not staff_place(call.event, call.services.staff_chat_id):
            turn.say(Reply(phrases.STAFF_PRIVATE_ONLY))
        else:
            return True
        _took(call, flow, "rechazado: solo el equipo")
        return False


def staff_place(event: Event, staff_chat_id: int | None) -> bool:
    return event.private or (event.chat_id is not None and event.chat_id == staff_chat_id)


def _took(call: Call, flow: Flow | None, what: str, at: int | None = None) -> None:
    """Record a step on the turn; `at` puts it before the steps it led to (a pick's press)."""
    route = call.turn.route
    route.insert(len(route) if at is None else at, f"{flow.name if flow else 'router'}: {what}")


def situation_of(turn: Turn, private: bool = False) -> Situation:
    """Where `turn`'s conversation stands, for the reading (which never sees the Turn, so the
    Turn can keep its readings without the two modules importing each other)."""
    kb = turn.core.kb
    sector = turn.data.get("sector")
    asked = turn.state == CITE_REGION and sector in kb.sectors
    return Situation(
        options=tuple(remembered_options(turn.context)),
        topic=context.topic_of(turn.context, kb),
        region_for=str(sector) if asked else None,
        private=private,
    )
