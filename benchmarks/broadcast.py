"""Broadcast: throughput, 429s, and exactly-once across a kill -9 and a resume.

Usage: .venv/bin/python benchmarks/broadcast.py [--subscribers 10000] [--rate 25] [--kill-at 0.5]

Starts the local Bot API emulator enforcing Telegram's flood limits (30
messages/second overall and one per second per chat, 429 with retry_after
above them), makes N subscribers of whom 1% have blocked the bot (the
emulator answers 403; the database does not know yet), and runs
`broadcast send` in a child process against a SQLite file. At about half it
kills the child with SIGKILL, then runs `broadcast resume 1` to the end and
compares the emulator's records with the database:

- throughput: sendMessage requests per second while a worker was sending,
  against the configured rate (target ≥ 90%);
- 429s received (target ≤ 1% of sends);
- duplicates: people who got the announcement twice (target 0);
- misses: subscribers who did not block the bot and got nothing, leaving out
  the `unknown` rows (the one request in flight at the kill), which are
  reported apart with whether they in fact arrived.

10,000 subscribers at 25/s take about 7 minutes; --subscribers 2000 about 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage.db import Database, upgrade  # noqa: E402
from bot.storage.models import Delivery, User, utcnow  # noqa: E402
from telegram_emulator import ApiCall, BotApiEmulator  # noqa: E402

TOKEN = "123456789:" + "K" * 35
FIRST_ID = 700_000_001
BAR = ("█", "░")  # progress lines start with the bar: left out of the printed output
ANNOUNCEMENT = (
    "Convocatoria MYPE Sostenible 2026: cofinanciamiento para proyectos de economía circular. "
    "Postule hasta el 30 de junio en la web de ProInnóvate."
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000, help="how many (10000)")
    parser.add_argument("--rate", type=float, default=None, help="BROADCAST_RATE (default 25)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction sent before kill -9")
    parser.add_argument("--blocked", type=float, default=0.01, help="share who blocked the bot")
    return parser.parse_args()


async def seed(url: str, ids: list[int]) -> None:
    db = Database(url)
    now = utcnow()
    rows = [
        {
            "id": i,
            "subscribed": True,
            "blocked": False,
            "region": "lima",
            "sector": "textil",
            "created_at": now,
            "updated_at": now,
        }
        for i in ids
    ]
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(User), rows)
    finally:
        await db.dispose()


async def delivery_statuses(url: str) -> dict[int, str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(select(Delivery.user_id, Delivery.status))
            return {int(u): str(s) for u, s in rows.all()}
    finally:
        await db.dispose()


def child_env(args: argparse.Namespace, url: str, emulator: BotApiEmulator) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=emulator.base_url,
        TELEGRAM_BASE_FILE_URL=emulator.base_file_url,
        KNOWLEDGE_DIR=str(ROOT / "knowledge"),
        QUIET_HOURS="",  # a benchmark run at night must not wait for the morning
        LOG_LEVEL="WARNING",
    )
    env.pop("BROADCAST_RATE", None)
    if args.rate is not None:
        env["BROADCAST_RATE"] = str(args.rate)
    return env


def shown(command: list[str], env: dict[str, str]) -> str:
    keys = ("DATABASE_URL", "TELEGRAM_BASE_URL", "QUIET_HOURS", "BROADCAST_RATE")
    prefix = " ".join(f"{k}={shlex.quote(env[k])}" for k in keys if k in env)
    return f"{prefix} TELEGRAM_BOT_TOKEN=… {shlex.join(command)}"


def phase_rate(times: list[float]) -> tuple[int, float, float]:
    """(requests, seconds from first to last, requests per second)."""
    if len(times) < 2:
        return len(times), 0.0, 0.0
    span = times[-1] - times[0]
    return len(times), span, (len(times) - 1) / span if span else 0.0


def main() -> int:
    args = parse_args()
    rate = args.rate or 25.0
    ids = list(range(FIRST_ID, FIRST_ID + args.subscribers))
    blocked = set(ids[:: max(1, round(1 / args.blocked))]) if args.blocked > 0 else set()
    python = sys.executable
    print(
        "benchmark command: "
        + shlex.join([".venv/bin/python", "benchmarks/broadcast.py", *sys.argv[1:]])
    )

    with tempfile.TemporaryDirectory(prefix="mypebot-bench-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        asyncio.run(seed(url, ids))
        text_file = folder / "anuncio.txt"
        text_file.write_text(ANNOUNCEMENT, encoding="utf-8")

        with BotApiEmulator(token=TOKEN, rate_limit=30, per_chat_interval=1.0) as emulator:
            emulator.blocked_chats.update(blocked)
            env = child_env(args, url, emulator)
            base = [python, "-m", "bot", "broadcast"]
            send = [*base, "send", "--text-file", str(text_file)]
            resume = [*base, "resume", "1"]
            print(
                f"subscribers: {len(ids)} ({len(blocked)} have blocked the bot) · rate {rate:g}/s"
            )
            print(f"run 1: {shown(send, env)}")

            kill_after = int(len(ids) * args.kill_at)
            with (folder / "send.log").open("w") as log:
                child = subprocess.Popen(send, env=env, cwd=ROOT, stdout=log, stderr=log)
                while True:
                    stats = emulator.stats
                    done = stats["sendMessage:200"] + stats["sendMessage:403"]
                    if done >= kill_after or child.poll() is not None:
                        break
                    time.sleep(0.005)
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                killed_at = time.time()
            print(f"run 1 killed with SIGKILL after {done} answered sends; its output:")
            for line in (folder / "send.log").read_text(encoding="utf-8").splitlines():
                if not line.startswith(BAR):
                    print(f"    {line}")

            print(f"run 2: {shown(resume, env)}")
            started = time.time()
            finished = subprocess.run(resume, env=env, cwd=ROOT, capture_output=True, text=True)
            resume_seconds = time.time() - started
            print(f"run 2 exit code {finished.returncode}; its report:")
            for line in finished.stdout.splitlines():
                print(f"    {line}")
            for line in finished.stderr.splitlines():
                if not line.startswith(BAR):
                    print(f"    (stderr) {line}")

            calls = emulator.calls_to("sendMessage")
            received = Counter(m["chat_id"] for m in emulator.sent())
        statuses = asyncio.run(delivery_statuses(url))

    print_results(rate, ids, blocked, calls, received, statuses, killed_at, resume_seconds)
    return 0


def print_results(
    rate: float,
    ids: list[int],
    blocked: set[int],
    calls: list[ApiCall],
    received: Counter[int],
    statuses: dict[int, str],
    killed_at: float,
    resume_seconds: float,
) -> None:
    before = [c.time for c in calls if c.time < killed_at]
    after = [c.time for c in calls if c.time >= killed_at]
    n1, span1, rate1 = phase_rate(before)
    n2, span2, rate2 = phase_rate(after)
    overall = (n1 + n2 - 2) / (span1 + span2) if span1 + span2 else 0.0
    floods = sum(1 for c in calls if c.status == 429)
    sends = len(calls)
    unknown = {u for u, s in statuses.items() if s == "unknown"}
    duplicates = sorted(u for u, n in received.items() if n > 1)
    misses = sorted(u for u in ids if u not in blocked and u not in unknown and not received[u])
    status_counts = Counter(statuses.values())
    lease_wait = (after[0] - killed_at) if after else 0.0

    print()
    print("results")
    print(
        f"  throughput: {overall:.2f} sends/s over both runs = {100 * overall / rate:.1f}% of "
        f"BROADCAST_RATE {rate:g} (target ≥ 90%) · run 1 {rate1:.2f}/s ({n1} sends in "
        f"{span1:.1f} s) · run 2 {rate2:.2f}/s ({n2} sends in {span2:.1f} s)"
    )
    print(
        f"  429s received: {floods} of {sends} sendMessage requests = "
        f"{100 * floods / max(1, sends):.2f}% (target ≤ 1%)"
    )
    print(f"  duplicates (received twice or more): {len(duplicates)} {duplicates[:10]}")
    print(f"  misses (not blocked, not unknown, received nothing): {len(misses)} {misses[:10]}")
    arrived = sorted(u for u in unknown if received[u])
    print(
        f"  unknown (in flight at the kill, not resent): {len(unknown)} {sorted(unknown)[:10]}; "
        f"of them actually delivered before the kill: {len(arrived)}"
    )
    print(
        "  deliveries: "
        + ", ".join(f"{status} {count}" for status, count in sorted(status_counts.items()))
        + f" · blocked expected {len(blocked)}"
    )
    print(
        f"  resume: waited {lease_wait:.1f} s for the killed worker's lease to expire; "
        f"run 2 took {resume_seconds:.1f} s in all"
    )


if __name__ == "__main__":
    raise SystemExit(main())
