"""A bot that skips the one update it cannot read instead of stalling everyone's.

python-telegram-bot parses a whole getUpdates batch at once. When Telegram
sends an update this version cannot parse (the probe used a `poll` without
`allows_revoting`), the batch raises, the updater logs the raw data (users'
names included) at CRITICAL and asks for the same batch again, forever:
nobody gets an answer. Here each update of the batch is checked on its own;
an unreadable one is replaced by its bare update id, so the offset moves past
it, and it is logged once, with only its id, its kind and the error type.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


def readable_updates(bot: Any, result: list[Any]) -> list[Any]:
    """The batch with every update python-telegram-bot cannot parse reduced to its id."""
    kept: list[Any] = []
    for raw in result:
        try:
            Update.de_json(raw, bot)
        except Exception as exc:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                log.warning("skipped an update without an id (%s)", type(exc).__name__)
                continue
            kinds = sorted(k for k in raw if k != "update_id")
            log.warning(
                "skipped update %d (%s): python-telegram-bot cannot read it (%s)",
                update_id,
                ", ".join(kinds) or "empty",
                type(exc).__name__,
            )
            kept.append({"update_id": update_id})
            continue
        kept.append(raw)
    return kept


class LenientBot(ExtBot[Any]):
    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            return readable_updates(self, result)
        return result
