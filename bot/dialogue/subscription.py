"""News by Telegram: /novedades subscribes, /baja unsubscribes (campaigns go to subscribers)."""

from __future__ import annotations

from bot import phrases
from bot.dialogue import codes
from bot.dialogue.flow import Call, Flow
from bot.dialogue.model import Reply


async def subscribe(call: Call) -> None:
    turn = call.turn
    if turn.user.subscribed:
        turn.say(Reply(phrases.ALREADY_SUBSCRIBED))
        return
    turn.update_user(subscribed=True)
    turn.say(Reply(phrases.SUBSCRIBED))


async def unsubscribe(call: Call) -> None:
    turn = call.turn
    if not turn.user.subscribed:
        turn.say(Reply(phrases.NOT_SUBSCRIBED))
        return
    turn.update_user(subscribed=False)
    turn.say(Reply(phrases.UNSUBSCRIBED))


FLOW = Flow(
    name="subscription",
    commands={"novedades": subscribe, "baja": unsubscribe},
    menu={codes.MENU_NEWS: subscribe},
)
