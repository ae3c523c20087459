"""The Financiamiento menu: live programmes first, closed ones apart and marked.

A closed programme (FAE-Mype, Reactiva Perú 2020: tagged "historia", or past
its `expires` date) is still worth explaining, but never next to what an owner
can apply for today.
"""

from __future__ import annotations

import datetime as dt

from bot import phrases
from bot.dialogue import codes, keyboards
from bot.dialogue.flow import Call, Flow
from bot.dialogue.model import Reply
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Entry

CLOSED_TAG = "historia"
LIVE_SHOWN, CLOSED_SHOWN = 6, 3


def is_closed(entry: Entry, today: dt.date) -> bool:
    return CLOSED_TAG in entry.tags or (entry.expires is not None and entry.expires < today)


def menu(kb: KnowledgeBase, today: dt.date | None = None) -> Reply:
    today = today or dt.date.today()
    finance = [e for e in kb.entries.values() if "financiamiento" in e.tags]
    live = [e for e in finance if not is_closed(e, today)][:LIVE_SHOWN]
    closed = [e for e in finance if is_closed(e, today)][:CLOSED_SHOWN]
    rows = [[keyboards.entry_button(e.id, e.title)] for e in live]
    rows += [
        [keyboards.entry_button(e.id, phrases.FINANCE_CLOSED_PREFIX + e.title)] for e in closed
    ]
    text = phrases.FINANCE_INTRO
    if closed:  # said after the list it explains: the closed ones come last, marked
        text += "\n" + phrases.FINANCE_CLOSED_NOTE.format(
            mark=phrases.FINANCE_CLOSED_PREFIX.strip()
        )
    return Reply(text, buttons=[*rows, [keyboards.menu_button()]])


async def from_menu(call: Call) -> None:
    call.turn.say(menu(call.turn.core.kb))


FLOW = Flow(name="finance", menu={codes.MENU_FINANCE: from_menu})
