"""Logging: one line per event, with personal data scrubbed before it is written.

Handlers are careful not to log names or messages, but libraries are not
(httpx logs every request URL, and Telegram puts the bot token in the URL), so
the last line of defence is a filter on the handler that redacts tokens, phone
numbers, RUCs and e-mail addresses from every record, whoever emitted it.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import IO

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot tokens, also inside URLs such as .../bot123:ABC.../sendMessage
    (re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,64}"), "[token]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    # RUC: 11 digits starting with 10, 15, 16, 17 or 20
    (re.compile(r"(?<!\d)(?:10|15|16|17|20)\d{9}(?!\d)"), "[ruc]"),
    # Peruvian phones: mobiles (9 digits starting with 9), with or without +51, spaced or not
    (re.compile(r"(?:\+?51[\s-]?)?(?<!\d)9\d{2}[\s-]?\d{3}[\s-]?\d{3}(?!\d)"), "[phone]"),
    # Landlines and any other long digit run with a country code
    (re.compile(r"\+\d[\d\s-]{7,}\d"), "[phone]"),
)


def redact(text: str) -> str:
    """Remove personal data and secrets from a log line."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats a record on one line and scrubs it."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return redact(line.replace("\r", " ").replace("\n", " | "))


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Install the one handler every logger writes through."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Library chatter at INFO (one line per HTTP request) would drown our events.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
