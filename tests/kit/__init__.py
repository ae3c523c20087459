"""The testing kit: what more than one test file needs, so each file only says what it specifies.

- ``tests.kit.databases``: PostgreSQL databases made and dropped for a test.
- ``tests.kit.dialogue``: talking to the dialogue core (no Telegram in between).
- ``tests.kit.telegram``: the real python-telegram-bot Application against the Bot API
  emulator (``telegram_emulator``), and what an owner does there.
- ``tests.kit.webhook``: what the webhook tests share with the replica tests.

The fixtures themselves (``db``, ``database_url``, ``core``, ``emulator``, ``bot``...) are in
tests/conftest.py, so every folder of the test tree has them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
#: Files the tests read (a small knowledge base with known problems...).
FIXTURES = ROOT / "tests" / "fixtures"
