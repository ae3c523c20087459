"""The latest keyboard shown in a chat, kept so "2" or "la segunda" can press it later.

Kept in the stored conversation context: it works after a restart and on
another replica.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.dialogue import acts
from bot.dialogue import callbacks as cb
from bot.dialogue.turn import Turn

MAX_OPTIONS = 30  # buttons remembered from the latest keyboard


def remembered_options(context: dict[str, Any]) -> list[acts.Option]:
    stored = context.get("options", [])
    return [
        acts.Option(str(o[0]), str(o[1])) for o in stored if isinstance(o, list) and len(o) == 2
    ]


def remember_keyboard(turn: Turn, untyped: Collection[str]) -> None:
    """Keep the buttons of this turn's replies, except those never pressed by typing.

    `untyped` are the codes of buttons staff press with care (a lead's status, a
    campaign): a typed number must not press them. A reply with no buttons
    leaves nothing to pick; a toast alone changes nothing.
    """
    shown = [r for r in turn.outcome.replies if r.text or r.buttons or r.document or r.photo]
    if not shown:
        return
    options = [
        [b.label, b.data]
        for r in shown
        for row in r.buttons
        for b in row
        if cb.decode(b.data).action not in untyped
    ]
    if options:
        turn.context["options"] = options[:MAX_OPTIONS]
    else:
        turn.context.pop("options", None)
