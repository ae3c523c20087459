"""`mypebot ask --explain`: one message read by the whole dialogue, as a new owner would send it.

`ask` alone asks the answers engine; the explanation is the dialogue's (a
greeting, a request for a person or a "2" never reach the engine), so the
message goes through a Dialogue on a throwaway database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.core import Core
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.storage.db import Database, upgrade_async

OWNER = UserRef(1)


async def explain_question(core: Core, text: str) -> str:
    """The explanation of `text` as a first message, then the replies it got."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'explain.sqlite3'}"
        await upgrade_async(url)
        db = Database(url)
        try:
            outcome = await Dialogue(db, lambda: core).handle(
                Event(user=OWNER, kind="text", text=text)
            )
        finally:
            await db.dispose()
    replies = [r.text for r in outcome.replies if r.text]
    return "\n\n".join([outcome.explanation, *replies])
