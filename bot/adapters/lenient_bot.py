"""A bot that skips the one update it cannot read instead of stalling everyone's.

python-telegram-bot parses a whole getUpdates batch at once. When Telegram
sends an update this version cannot parse (the probe used a `poll` without
`allows_revoting`), the batch raises, the updater logs the raw data (users'
names included) at CRITICAL and asks for the same batch again, forever:
nobody gets an answer. Here a batch that fails is fetched once more and each
of its updates checked on its own; an unreadable one is replaced by its bare
update id, so the offset moves past it, and it is logged once, with only its
id, its kind and the error type.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
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


class _NoRawBatch(logging.Filter):
    """python-telegram-bot logs an unparseable batch whole (names, phones) at CRITICAL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


logging.getLogger("telegram.ext.ExtBot").addFilter(_NoRawBatch())


class LenientBot(ExtBot[Any]):
    """Parses each batch once, as usual; only a batch that fails is fetched again and
    checked update by update (parsing costs about 0.25 ms an update, so checking every
    batch twice would slow a backlog down)."""

    _checking = False

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        try:
            return await super().get_updates(*args, **kwargs)
        except TelegramError:
            raise  # network trouble: the updater's retry loop handles it
        except Exception:
            self._checking = True  # the same offset: Telegram sends the same batch again
            try:
                return await super().get_updates(*args, **kwargs)
            finally:
                self._checking = False

    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if self._checking and endpoint == "getUpdates" and isinstance(result, list):
            return readable_updates(self, result)
        return result
