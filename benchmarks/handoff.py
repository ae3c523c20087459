"""Handoff figures: relay latency both ways on the emulator, and handoffs per second.

Usage:
    .venv/bin/python benchmarks/handoff.py [--messages 200] [--owners 200]
        [--database postgresql://127.0.0.1:5432/test | sqlite] [--group-limit on|off]

Telegram allows about 20 messages a minute in one group, and python-telegram-bot's
AIORateLimiter (as `mypebot run` builds it) holds every request to a group's chat
id (a copy, a header card, createForumTopic) to 20 a minute after a burst of 20.
With --group-limit on (production) the relay rounds are paced one every 3.1 s, so
the figure is the bot's latency rather than the limiter's queue, and the full-bot
handoff rate is the limiter's; --group-limit off lifts that limit (the emulator has
none) to show what the bot itself does.

1. Relay latency. The full bot, built as production builds it, long-polls the
   local Bot API emulator on 127.0.0.1, whose staff chat is a forum. One owner
   opens a handoff; then --messages times, one at a time: the owner writes
   (latency = the update's push time to the emulator's receive time of the
   copyMessage into the topic), and an advisor answers in the topic (push time
   to the sendMessage that reaches the owner). p50/p99 per direction.
2. Handoffs per second, one replica: --owners distinct owners press "Hablar con
   una persona" at once, (a) through the full bot on the emulator (the
   update, the handoff's rows, createForumTopic, the header card and its
   record, the owner's reply), timed from the first push to the last header
   card; and (b) the dialogue core alone (the turn and its transaction, plus
   the adapter's two follow-up writes), --owners handled with 64 in flight.

Both on a fresh database (a new PostgreSQL database on the given server, or a
SQLite file). Figures vary with the machine; the script prints its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.ext import AIORateLimiter

from benchmarks._timing import percentile
from benchmarks.bot_throughput import check_database, fresh_database
from bot.adapters import telegram_app
from bot.adapters.telegram_app import build_application, start_polling, stop_polling
from bot.app import build_services
from bot.config import load_settings, normalise_database_url
from bot.dialogue.model import Event, Post, UserRef
from bot.storage.db import upgrade_async
from telegram_emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "H" * 35
STAFF_CHAT, OWNER, ADVISOR = -100_123_456, 7_000_000_001, 9_100


def settings(emulator: BotApiEmulator | None, url: str):  # type: ignore[no-untyped-def]
    values = {
        "database_url": url,
        "knowledge_dir": ROOT / "knowledge",
        "staff_chat_id": STAFF_CHAT,
        "office_hours": "",
        "quiet_hours": "",
        "log_level": "WARNING",
    }
    if emulator is not None:
        values |= {
            "telegram_bot_token": TOKEN,
            "telegram_base_url": emulator.base_url,
            "telegram_base_file_url": emulator.base_file_url,
        }
    return load_settings(**values)


def ms(seconds: float) -> float:
    return seconds * 1000


def line(label: str, samples: list[float]) -> str:
    return (
        f"{label:<28} p50 {percentile(samples, 50):7.1f} ms   p99 {percentile(samples, 99):7.1f} ms"
        f"   max {max(samples):7.1f} ms   n={len(samples)}"
    )


async def relay_latency(url: str, messages: int, pace: float) -> tuple[list[float], list[float]]:
    emulator = BotApiEmulator(token=TOKEN).start()
    emulator.create_forum(STAFF_CHAT)
    services = await build_services(settings(emulator, url), migrate=False)
    application = build_application(services)
    await start_polling(application)
    try:
        emulator.mark()
        emulator.send_text(OWNER, "/menu", first_name="Ana")
        [menu] = await emulator.wait_for_messages(OWNER, 1)
        emulator.mark()
        emulator.press_button(OWNER, "menu:person", menu["message_id"])
        [header] = await emulator.wait_for_messages(STAFF_CHAT, 1, timeout=10)
        thread = header["message_thread_id"]
        inbound, outbound = [], []
        for number in range(messages):
            await asyncio.sleep(pace)
            emulator.mark()
            pushed = time.time()
            emulator.send_text(OWNER, f"consulta {number}: ¿cómo registro mi marca?")
            [copied] = await emulator.wait_for_messages(STAFF_CHAT, 1, timeout=10)
            inbound.append(ms(copied["time"] - pushed))
            emulator.mark()
            pushed = time.time()
            emulator.send_text(
                ADVISOR,
                f"respuesta {number}: en INDECOPI",
                chat_id=STAFF_CHAT,
                chat_type="supergroup",
                first_name="María",
                message_thread_id=thread,
            )
            [reply] = await emulator.wait_for_messages(OWNER, 1, timeout=10)
            outbound.append(ms(reply["time"] - pushed))
        return inbound, outbound
    finally:
        await stop_polling(application)
        emulator.stop()


async def handoffs_through_the_bot(url: str, owners: int) -> float:
    emulator = BotApiEmulator(token=TOKEN).start()
    emulator.create_forum(STAFF_CHAT)
    services = await build_services(settings(emulator, url), migrate=False)
    application = build_application(services)
    await start_polling(application)
    try:
        menus = []
        for number in range(owners):  # each owner has a menu to press (not timed)
            emulator.send_text(OWNER + 1 + number, "/menu", first_name=f"Persona{number}")
        for number in range(owners):
            [menu] = await emulator.wait_for_messages(OWNER + 1 + number, 1, timeout=60)
            menus.append(menu)
        emulator.mark()
        started = time.time()
        for number, menu in enumerate(menus):
            emulator.press_button(OWNER + 1 + number, "menu:person", menu["message_id"])
        headers = await emulator.wait_for_messages(STAFF_CHAT, owners, timeout=300)
        elapsed = max(h["time"] for h in headers) - started
        assert len(emulator.topics(STAFF_CHAT)) == owners
        return owners / elapsed
    finally:
        await stop_polling(application)
        emulator.stop()


async def handoffs_in_the_core(url: str, owners: int, in_flight: int = 64) -> float:
    services = await build_services(settings(None, url), migrate=False)
    dialogue = services.dialogue
    slots = asyncio.Semaphore(in_flight)
    first = 10_000_000_000

    async def one(number: int) -> None:
        async with slots:
            user = UserRef(first + number, f"Persona{number}")
            outcome = await dialogue.handle(
                Event(user=user, kind="button", data="menu:person", update_id=first + number)
            )
            [topic] = outcome.topics
            await dialogue.topic_ready(topic.handoff_id, 1_000 + number, True)  # as the adapter
            header = Post(
                chat_id=STAFF_CHAT,
                text=topic.header,
                handoff_id=topic.handoff_id,
                direction="header",
            )
            await dialogue.relayed(header, 2_000 + number)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(owners)))
        return owners / (time.perf_counter() - started)
    finally:
        await services.db.dispose()


async def main_async(args: argparse.Namespace) -> None:
    limited = args.group_limit == "on"
    if not limited:  # the limiter as production builds it, without its per-group cap
        telegram_app.AIORateLimiter = lambda **kw: AIORateLimiter(group_max_rate=0, **kw)  # type: ignore[misc,assignment]
    print(
        f"database: {'SQLite' if args.database == 'sqlite' else 'PostgreSQL'}; "
        f"20/min group limit: {args.group_limit}"
    )
    async with fresh_database(args.database) as url:
        await upgrade_async(normalise_database_url(url))
        inbound, outbound = await relay_latency(url, args.messages, 3.1 if limited else 0.0)
    print(line("owner → topic (copyMessage)", inbound))
    print(line("topic → owner (sendMessage)", outbound))
    async with fresh_database(args.database) as url:
        await upgrade_async(normalise_database_url(url))
        full = await handoffs_through_the_bot(url, args.owners)
    print(f"{'handoffs/s, full bot':<28} {full:7.1f}   ({args.owners} owners at once)")
    async with fresh_database(args.database) as url:
        await upgrade_async(normalise_database_url(url))
        core = await handoffs_in_the_core(url, args.owners)
    print(f"{'handoffs/s, core + writes':<28} {core:7.1f}   ({args.owners} owners, 64 in flight)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--group-limit", choices=("on", "off"), default="on")
    parser.add_argument(
        "--database", type=check_database, default="postgresql://127.0.0.1:5432/test"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
