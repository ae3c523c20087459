"""Other users' reply latency while one chat floods the bot, against the same load idle.

Usage:
    .venv/bin/python benchmarks/chat_flood.py [--users 20] [--messages 10]
        [--database sqlite | postgresql://127.0.0.1:5432/test] [--ordering fixed|lock-in-slot]

The full bot, built as production builds it, polls the local Bot API emulator
on 127.0.0.1 (see bot_throughput.py for the harness). --users other users each
send --messages texts in a closed loop (the next as soon as the reply came),
twice:

1. idle: nobody else writes;
2. flood: at the same moment one group receives 150 /start from 150 members
   and one private chat pushes 400 messages at once (the fault-injection
   probe's busy chats); the other users' loop runs while the bot works
   through that backlog.

The figure is the other users' p99 reply latency in the flood against idle,
the median over --rounds alternated idle/flood rounds (the machine is noisy);
a flood round in which someone got no reply within 15 s counts as infinite.
Target: within 2x. `--ordering lock-in-slot` runs the ordering this project
had before (each chat's lock taken inside one of the 64 shared slots), for
comparison. Latency is measured as in bot_throughput.py (push time to the
emulator's receive time of the chat's next sendMessage).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import percentile
from benchmarks.bot_throughput import (
    Result,
    check_database,
    conversations,
    drive,
    fresh_database,
)
from bot.adapters import ordering, telegram_app
from bot.app import build_services
from bot.config import load_settings
from bot.core import load_core
from telegram_emulator import BotApiEmulator

TARGET_RATIO = 2.0
STARTED = time.perf_counter()
GROUP, GROUP_MEMBERS, FLOODER, FLOOD_MESSAGES = -1_009_000_000_001, 150, 8_000_000_001, 400


async def _lock_in_slot(self, update, coroutine) -> None:  # type: ignore[no-untyped-def]
    """The previous ordering: the chat's lock waited for inside a shared slot."""
    key = self._key(update)
    lock = self._locks.setdefault(key, asyncio.Lock())
    self._waiting[key] = self._waiting.get(key, 0) + 1
    try:
        async with self._slot, lock:
            await coroutine
    finally:
        self._waiting[key] -= 1
        if self._waiting[key] == 0:
            del self._waiting[key]
            del self._locks[key]


def flood(emu: BotApiEmulator, round_: int) -> None:
    """One group and one private chat, each with a burst of its own (new ids each round)."""
    group = GROUP - round_
    for member in range(GROUP_MEMBERS):
        emu.send_text(9_100_000_000 + member, "/start", chat_id=group, chat_type="group")
    for number in range(FLOOD_MESSAGES):
        emu.send_text(FLOODER + round_, f"hola {number}", first_name="Flor")


async def measure(args: argparse.Namespace) -> list[Result]:
    """Idle and flood phases, alternated over --rounds rounds on one running bot."""
    rounds: list[Result] = []
    # Questions as the shipped knowledge base words them: no file outside the repo needed.
    questions = [entry.title for entry in load_core(Path("knowledge")).kb.entries.values()]
    plan = conversations(args.users, args.messages, questions)
    emu = BotApiEmulator(token="123456789:" + "F" * 35)
    emu.start()
    try:
        async with fresh_database(args.database) as url:
            settings = load_settings(
                telegram_bot_token=emu.token,
                telegram_base_url=emu.base_url,
                telegram_base_file_url=emu.base_file_url,
                database_url=url,
                knowledge_dir=Path("knowledge"),
            )
            services = await build_services(settings, migrate=True)
            application = telegram_app.build_application(services)
            await telegram_app.start_polling(application)
            try:
                await drive(emu, {6_000_000_000: plan[next(iter(plan))][:5]}, "warm-up")
                for round_ in range(1, args.rounds + 1):
                    emu.clear()
                    rounds.append(await drive(emu, plan, f"idle #{round_}"))
                    emu.clear()
                    flood(emu, round_)
                    rounds.append(await drive(emu, plan, f"flood #{round_}"))
                    await asyncio.sleep(2.0)  # the private flood's backlog drains
                report(args, rounds)  # now: stopping waits for the groups' slow backlog
            finally:
                await telegram_app.stop_polling(application)
    finally:
        emu.stop()
    return rounds


def report(args: argparse.Namespace, results: list[Result]) -> None:
    print(f"ordering: {args.ordering} · database: {args.database.split('@')[-1]}")
    print(f"other users: {args.users} × {args.messages} texts, closed loop, {args.rounds} rounds")
    print(f"flood: {GROUP_MEMBERS} /start in one group + {FLOOD_MESSAGES} messages from one chat")
    for result in results:
        print(
            f"  {result.label:9} answered {result.answered:4} (no reply {result.unanswered})"
            f"  p50 {percentile(result.latencies_ms, 50):7.1f} ms"
            f"  p99 {percentile(result.latencies_ms, 99):7.1f} ms"
            f"  max {max(result.latencies_ms, default=0):7.1f} ms"
        )
    ratios = []
    for idle, flooded in zip(results[::2], results[1::2], strict=True):
        p99_idle = percentile(idle.latencies_ms, 99)
        p99_flood = percentile(flooded.latencies_ms, 99) if not flooded.unanswered else math.inf
        ratios.append(p99_flood / p99_idle if p99_idle else math.inf)
    ratio = statistics.median(ratios)
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    shown = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"p99 flood / idle, median of rounds: {ratio:.2f}× ({shown}); target ≤ 2×: {verdict}")
    print(f"measured in {time.perf_counter() - STARTED:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--database", type=check_database, default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ordering", choices=("fixed", "lock-in-slot"), default="fixed")
    args = parser.parse_args()
    processor = ordering.PerChatUpdateProcessor
    if args.ordering == "lock-in-slot":
        processor.do_process_update = _lock_in_slot  # type: ignore[method-assign]
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
