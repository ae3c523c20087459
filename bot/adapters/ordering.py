"""Updates from different chats are handled concurrently; one chat's, in order.

python-telegram-bot handles one update at a time by default, so a slow
database commit for one person delays everyone. Running updates concurrently
is only safe per chat: two messages from the same person must see each
other's state in the order they were sent.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# python-telegram-bot takes a slot of its own semaphore before it calls
# do_process_update (process_update is final), so that limit is set out of reach
# and the real slots are taken in do_process_update, after the chat's lock. The
# base class's max_concurrent_updates therefore counts updates in progress,
# waiting for their chat's turn included; `slots` is the limit on those running.
_UNLIMITED = sys.maxsize


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Waits for a chat's turn first, and only then for one of the shared slots.

    Waiting for the chat's lock inside a slot let one busy chat (a group
    flooding /start, 400 messages from one person) hold every slot while its
    updates queued behind each other, and delayed everyone else by seconds.
    Here a chat's backlog waits outside the slots, holding at most one of them.
    """

    def __init__(self, max_concurrent_updates: int = 32) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("`max_concurrent_updates` must be a positive integer!")
        super().__init__(_UNLIMITED)
        self.slots = max_concurrent_updates
        self._slot = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slot:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats: memory stays flat
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
