"""`mypebot run` starts, serves and stops cleanly: a normal run logs no ERROR.

The real command in a child process, against the Bot API emulator. Issue 27:
the services were built in one `asyncio.run` and served in another, so on
PostgreSQL the database pool held connections of a closed event loop and every
start logged tracebacks ("attached to a different loop", "Event loop is
closed") from the background workers' first queries.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from telegram_emulator import BotApiEmulator
from tests.kit import ROOT
from tests.kit.telegram import ANA, STAFF_CHAT, TOKEN


def test_a_normal_start_and_stop_logs_no_error(database_url: str, tmp_path: Path) -> None:
    emulator = BotApiEmulator(token=TOKEN)
    emulator.start()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "STAFF_"))
    }
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "TELEGRAM_BASE_FILE_URL": emulator.base_file_url,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "STAFF_CHAT_ID": str(STAFF_CHAT),  # so the staff-notice worker and reminders run too
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),  # this checkout's code, whichever one is installed
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env of the developer's
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        emulator.wait_for_call_sync("getUpdates", timeout=60)
        emulator.send_text(ANA, "hola")
        assert emulator.wait_for_messages_sync(ANA, 1, timeout=30)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            _, log = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
            emulator.stop()
    assert child.returncode == 0, log
    assert " ERROR " not in log and "Traceback" not in log, log
