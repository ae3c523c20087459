"""A message's length as the chat platforms count it, for every part of the bot.

Telegram counts UTF-16 code units (an emoji outside the Basic Multilingual
Plane counts two), and so do the announcement checks in bot/broadcast, which
may not import an adapter: one home here keeps the two counts from drifting.
"""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units: an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2


def utf16_fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
