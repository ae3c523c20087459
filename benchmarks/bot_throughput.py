"""Replies per second and reply latency of the full bot over the local Bot API emulator.

Usage:
    .venv/bin/python benchmarks/bot_throughput.py [--users 50] [--messages 20]
        [--database sqlite | postgresql://127.0.0.1:5432/test] [--profile]

Two bots answer the same load, one after the other, on the same emulator
(telegram_emulator/, served on 127.0.0.1):

- the full bot, built exactly as production builds it: `load_settings` with the
  emulator's URLs, `build_services(settings, migrate=True)` on a fresh database
  (a new SQLite file in a temporary folder, or a new throwaway database on the
  PostgreSQL server given with --database, dropped at the end),
  `build_application(services)`, `start_polling` ... `stop_polling`;
- a bare python-telegram-bot echo bot: `ApplicationBuilder()` with the same
  token and URLs, one `MessageHandler(filters.TEXT)` that replies with the same
  text, started with initialize/start/updater.start_polling(poll_interval=0,
  timeout=5).

Load model: a closed loop. Each of --users users first sends /start and then
--messages - 1 more texts (a fixed, seeded mix: 60 % questions from
shared/eval/dev_questions.yaml, 20 % business descriptions such as "tengo una
curtiembre en arequipa", 12 % greetings and thanks, 8 % /menu, /ayuda,
/start), and sends each next text as soon as the reply to the previous one has
arrived, with no think time. So at most --users updates are outstanding at any
moment, and the bot is driven as fast as it can answer: replies/second is its
capacity at that concurrency, and latency includes the time an update waits
behind the others. By Little's law, latency ≈ users / (replies per second) in
this loop: p99 <= 250 ms at 50 users needs roughly 200+ replies per second.
Both bots get the same texts, in the same order, from the same user ids.

A reply is the first sendMessage the emulator receives for that chat after the
text was pushed. Latency = the emulator's receive time of that call
(`ApiCall.time`) minus the wall-clock time just before `send_text` pushed the
update; both are `time.time()` in this process. Replies/second = answered texts
/ (last reply - first push). A text without a reply within 15 s counts as
unanswered and the user goes on. A short warm-up (not counted) runs first.

The pair runs --rounds times (default 3), alternating echo and full, so a busy
moment on the machine hits both bots; the ratio reported is the median of the
rounds' ratios, and p99 is taken over every full-bot reply of all rounds.

A last, clearly labelled diagnostic row runs the full bot with the answers
engine's reply cache turned off (REPLY_CACHE_SIZE = 0), because this load repeats
a few dozen dev questions and so hits the cache far more often than real traffic
would; the report prints the production run's hit rate. With --profile, one more
full-bot run (production settings) is profiled with cProfile (event-loop thread
only) and the top costs are printed.

Columns: ok / no = texts answered / not answered; msg/in = sendMessage calls per
text; CPU ms/r = `time.process_time()` over the phase divided by answered texts,
for the whole process, so it includes the emulator's threads, aiosqlite's thread,
this driver and idle polling.

Targets: full bot >= 70 % of the echo bot's replies/second; p99 <= 250 ms at
that load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import os
import pstats
import random
import re
import shlex
import statistics
import sys
import sysconfig
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import make_url, text
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from benchmarks._timing import percentile
from bot.adapters import telegram_app
from bot.answers import engine as answer_engine
from bot.app import build_services
from bot.config import load_settings, normalise_database_url
from bot.quality import evaluation
from bot.storage.db import create_engine
from telegram_emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}
REPLY_TIMEOUT = 15.0  # seconds a user waits for one reply before going on
POLL = 0.001  # seconds between two looks at the emulator's call log
TARGET_RATIO = 0.70
TARGET_P99_MS = 250.0

GREETINGS = (
    "hola",
    "buenas tardes",
    "buenos dias, una consulta",
    "gracias",
    "ok muchas gracias",
    "hola bot",
)
BUSINESSES = (
    "tengo una curtiembre en arequipa",
    "hago muebles de madera en pucallpa",
    "vendo cafe organico en junin",
    "tengo un taller de confecciones en gamarra",
    "somos una asociacion de tejedoras de alpaca en puno",
    "procesamos cacao en san martin",
    "tengo una panaderia en trujillo",
    "fabrico calzado en el porvenir",
    "tengo una planta de conservas de pescado en paita",
    "reciclo plastico en lima norte",
)
COMMANDS = ("/menu", "/ayuda", "/start")


def conversations(
    users: int, messages: int, questions: list[str], seed: int = 5
) -> dict[int, list[str]]:
    """The texts each user sends, in order; the same for every bot."""
    rng = random.Random(seed)
    plan: dict[int, list[str]] = {}
    for number in range(users):
        texts = ["/start"]
        for _ in range(messages - 1):
            pool = rng.choices((questions, BUSINESSES, GREETINGS, COMMANDS), (60, 20, 12, 8))[0]
            texts.append(rng.choice(pool))
        plan[7_000_000_000 + number] = texts
    return plan


# --- measuring ------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    answered: int = 0
    unanswered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_push: float = 0.0
    last_reply: float = 0.0
    send_messages: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    notes: str = ""
    cache_hit_rate: float | None = None  # share of answered texts served by the reply cache

    @property
    def rate(self) -> float:
        span = self.last_reply - self.first_push
        return self.answered / span if span > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


class ReplyTracker:
    """Watches the emulator's call log; resolves a user's wait at the chat's next sendMessage."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.seen = 0
        self.send_messages = 0
        self.waiting: dict[int, tuple[float, asyncio.Future[float]]] = {}

    def expect(self, chat_id: int, pushed: float) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = (pushed, future)
        return future

    def forget(self, chat_id: int) -> None:
        self.waiting.pop(chat_id, None)

    def scan(self) -> None:
        calls = self.emu.calls
        for call in calls[self.seen :]:
            if call.method != "sendMessage" or not call.ok:
                continue
            self.send_messages += 1
            chat_id = int(call.params.get("chat_id") or 0)
            entry = self.waiting.get(chat_id)
            if entry is not None and call.time >= entry[0] and not entry[1].done():
                entry[1].set_result(call.time)
                del self.waiting[chat_id]
        self.seen = len(calls)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.scan()
            await asyncio.sleep(POLL)
        self.scan()


async def drive(emu: BotApiEmulator, plan: dict[int, list[str]], label: str) -> Result:
    """Run the closed loop over `plan`; the bot is already polling."""
    result = Result(label)
    emu.clear()
    tracker = ReplyTracker(emu)
    stop = asyncio.Event()
    watcher = asyncio.create_task(tracker.run(stop))

    async def user(chat_id: int, texts: list[str]) -> None:
        for message in texts:
            pushed = time.time()
            waiter = tracker.expect(chat_id, pushed)
            if not result.first_push:
                result.first_push = pushed
            emu.send_text(chat_id, message, first_name="Ana")
            try:
                replied = await asyncio.wait_for(waiter, REPLY_TIMEOUT)
            except TimeoutError:
                tracker.forget(chat_id)
                result.unanswered += 1
                continue
            result.answered += 1
            result.latencies_ms.append((replied - pushed) * 1000)
            result.last_reply = max(result.last_reply, replied)

    cpu, wall = time.process_time(), time.perf_counter()
    try:
        await asyncio.gather(*(user(chat_id, texts) for chat_id, texts in plan.items()))
    finally:
        stop.set()
        await watcher
    result.cpu_seconds = time.process_time() - cpu
    result.wall_seconds = time.perf_counter() - wall
    with contextlib.suppress(AssertionError):
        await emu.wait_idle(timeout=REPLY_TIMEOUT, quiet=0.2)  # late second messages
    tracker.scan()
    result.send_messages = tracker.send_messages
    return result


def warmup_plan(plan: dict[int, list[str]]) -> dict[int, list[str]]:
    """A few users that do not take part in the measurement (other ids)."""
    texts = next(iter(plan.values()))[:6]
    return {6_000_000_000 + n: texts for n in range(5)}


# --- the two bots ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_database(database: str) -> AsyncIterator[str]:
    """A new empty database URL: a SQLite file in a temporary folder, or a PostgreSQL database."""
    if database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mypebot-throughput-") as folder:
            yield f"sqlite:///{Path(folder) / 'bot.sqlite3'}"
        return
    admin = normalise_database_url(database)
    name = f"mypebot_bench_{uuid.uuid4().hex[:10]}"
    await _pg_execute(admin, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _pg_execute(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


Runner = Callable[[Application], Awaitable[Result]]


async def with_full_bot(
    emu: BotApiEmulator,
    database: str,
    run: Runner,
    answer_cache: bool = True,
) -> Result:
    cache = (
        contextlib.nullcontext()
        if answer_cache
        else mock.patch.object(answer_engine, "REPLY_CACHE_SIZE", 0)
    )
    async with fresh_database(database) as url:
        settings = load_settings(
            telegram_bot_token=emu.token,
            telegram_base_url=emu.base_url,
            telegram_base_file_url=emu.base_file_url,
            database_url=url,
            knowledge_dir=Path("knowledge"),
        )
        with cache:
            services = await build_services(settings, migrate=True)
        application = telegram_app.build_application(services)
        await telegram_app.start_polling(application)
        try:
            result = await run(application)
            info = services.core.answers.cache_info()
            result.cache_hit_rate = info.hits / max(info.hits + info.misses, 1)
            return result
        finally:
            await telegram_app.stop_polling(application)  # post_shutdown disposes the engine


async def with_echo_bot(emu: BotApiEmulator, run: Runner) -> Result:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    application = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=5)
    try:
        return await run(application)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def runner(emu: BotApiEmulator, plan: dict[int, list[str]], label: str) -> Runner:
    async def run(_application: Application) -> Result:
        await drive(emu, warmup_plan(plan), "warm-up")
        return await drive(emu, plan, label)

    return run


def profiled_runner(emu: BotApiEmulator, plan: dict[int, list[str]], top: int) -> Runner:
    """Warm-up, then the same load under cProfile (event-loop thread only)."""

    async def run(_application: Application) -> Result:
        await drive(emu, warmup_plan(plan), "warm-up")
        profile = cProfile.Profile()
        profile.enable()
        try:
            result = await drive(emu, plan, "full bot (production) under cProfile")
        finally:
            profile.disable()
        result.notes = profile_report(profile, result, top)
        return result

    return run


def package_of(filename: str, function: str) -> str:
    """Where a profiled function lives: a site-package, a project package or the stdlib."""
    if filename == "~":
        if "epoll" in function:
            return "(idle: waiting in epoll)"
        match = re.fullmatch(
            r"[{<](?:built-in )?method '?([\w.]+)'?(?: of '([\w.]+)' objects)?[}>]", function
        )
        if match:
            name, owner = match.groups()
            return f"C: {owner}.{name}" if owner else f"C: {name}"
        return f"C: {function}"
    if filename.startswith("<frozen"):
        return "stdlib: importlib"
    path = Path(filename)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    with contextlib.suppress(ValueError):
        return ".".join(path.resolve().relative_to(ROOT).with_suffix("").parts[:2])
    with contextlib.suppress(ValueError):
        return "stdlib: " + path.relative_to(STDLIB).parts[0].removesuffix(".py")
    return filename


def profile_report(profile: cProfile.Profile, result: Result, top: int) -> str:
    stats = pstats.Stats(profile)
    totals: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        group = package_of(filename, function)
        totals[group] = totals.get(group, 0.0) + tottime
    idle = totals.pop("(idle: waiting in epoll)", 0.0)
    busy = sum(totals.values())
    replies = max(result.answered, 1)
    lines = [
        f"cProfile of one more full-bot run (production settings, same load; event-loop "
        f"thread only, so aiosqlite's and the emulator's threads are not in it): "
        f"{busy:.2f} s busy, {idle:.2f} s idle in epoll, {busy * 1000 / replies:.2f} ms "
        f"busy per reply (profiler overhead included)",
        f"  {'where (own time, tottime)':<44} {'seconds':>8} {'share':>6} {'ms/reply':>9}",
    ]
    for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:12]:
        lines.append(
            f"  {group:<44} {seconds:>8.2f} {seconds / busy:>6.0%} {seconds * 1000 / replies:>9.3f}"
        )
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    lines.append(f"  top {top} functions by own time:")
    lines.extend("  " + line for line in body[body.find("   ncalls") :].rstrip().splitlines())
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------


def check_database(value: str) -> str:
    if value == "sqlite":
        return value
    try:
        url = make_url(normalise_database_url(value))
    except Exception:
        raise argparse.ArgumentTypeError("use sqlite or a postgresql:// URL") from None
    if not url.drivername.startswith("postgresql"):
        raise argparse.ArgumentTypeError("use sqlite or a postgresql:// URL")
    if (url.host or "") not in LOOPBACK:
        raise argparse.ArgumentTypeError("only a PostgreSQL server on 127.0.0.1 is allowed")
    return value


def row(result: Result) -> str:
    cpu = result.cpu_seconds * 1000 / max(result.answered, 1)
    return (
        f"{result.label:<44} {result.answered:>5} {result.unanswered:>3} "
        f"{result.send_messages / max(result.answered, 1):>5.2f} {result.rate:>9.1f} "
        f"{result.p(50):>8.1f} {result.p(99):>8.1f} {max(result.latencies_ms, default=0):>8.1f} "
        f"{cpu:>7.2f}"
    )


async def main_async(args: argparse.Namespace) -> None:
    items = evaluation.load_items(Path(args.dev))
    questions = [str(item["q"]) for item in items]
    plan = conversations(args.users, args.messages, questions)
    total = args.users * args.messages
    print(
        f"Load: closed loop, {args.users} users x {args.messages} messages = {total} texts "
        f"({len(questions)} dev questions in the mix); database: "
        f"{'SQLite (fresh file)' if args.database == 'sqlite' else 'PostgreSQL (fresh database)'}"
    )

    async with BotApiEmulator() as emu:
        # The full bot freezes what it built once started (bot/memory.py); freeze this
        # harness first (modules, emulator, load plan) so the echo bot's collections do
        # not walk objects the full bot's would skip.
        gc.freeze()
        echoes: list[Result] = []
        fulls: list[Result] = []
        for n in range(1, args.rounds + 1):
            tag = f" #{n}" if args.rounds > 1 else ""
            echoes.append(
                await with_echo_bot(
                    emu, runner(emu, plan, f"echo bot (bare python-telegram-bot){tag}")
                )
            )
            fulls.append(
                await with_full_bot(
                    emu, args.database, runner(emu, plan, f"full bot (production){tag}")
                )
            )
        uncached = await with_full_bot(
            emu,
            args.database,
            runner(emu, plan, "full bot, answer cache off (diag.)"),
            answer_cache=False,
        )
        profiled = None
        if args.profile:
            profiled = await with_full_bot(
                emu, args.database, profiled_runner(emu, plan, args.profile_top)
            )
        errors = emu.internal_errors

    print()
    header = (
        f"{'bot':<44} {'ok':>5} {'no':>3} {'msg/in':>5} {'replies/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU ms/r':>7}"
    )
    print(header)
    print("-" * len(header))
    for echo_run, full_run in zip(echoes, fulls, strict=True):
        print(row(echo_run))
        print(row(full_run))
    print(row(uncached))
    print()
    # Rounds alternate the two bots, so a busy moment on the machine hits both; the
    # ratio is the median of the rounds' ratios, p99 is over every full-bot reply.
    ratios = [f.rate / e.rate if e.rate else 0.0 for e, f in zip(echoes, fulls, strict=True)]
    ratio = statistics.median(ratios)
    full_latencies = [ms for f in fulls for ms in f.latencies_ms]
    p99 = percentile(full_latencies, 99)
    spread = f" (rounds: {', '.join(f'{r:.0%}' for r in ratios)})" if len(ratios) > 1 else ""
    print(
        f"Full/echo throughput: {ratio:.0%}{spread} (target >= {TARGET_RATIO:.0%}): "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"Full bot p99 at this load: {p99:.0f} ms over {len(fulls)} round(s) "
        f"(target <= {TARGET_P99_MS:.0f} ms): {'met' if p99 <= TARGET_P99_MS else 'MISSED'}"
    )
    echo_rate = statistics.median(e.rate for e in echoes)
    full_rate = statistics.median(f.rate for f in fulls)
    hits = statistics.fmean(f.cache_hit_rate or 0.0 for f in fulls)
    print(
        f"Reply cache hits in the production runs: {hits:.0%} of answers-engine calls (the "
        f"load repeats {len(questions)} dev questions); with the cache off: "
        f"{uncached.rate / echo_rate if echo_rate else 0:.0%} of the median echo rate, "
        f"p99 {uncached.p(99):.0f} ms"
    )
    little = args.users / full_rate * 1000 if full_rate else 0.0
    mean_ms = statistics.fmean(full_latencies or [0.0])
    print(
        f"Little's law check (users / median replies per second): {little:.0f} ms vs mean "
        f"latency {mean_ms:.0f} ms for the full bot"
    )
    if profiled is not None:
        print()
        print(profiled.notes)
    if errors:
        print(f"Emulator internal errors: {len(errors)} (first: {errors[0].splitlines()[0]})")
    print("Command:", shlex.join([Path(sys.executable).as_posix(), *sys.argv]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument(
        "--messages", type=int, default=20, help="texts per user, /start first (default 20)"
    )
    parser.add_argument(
        "--database",
        type=check_database,
        default="sqlite",
        help="sqlite (default) or a PostgreSQL server URL on 127.0.0.1; a fresh database "
        "is created on it for each full-bot run and dropped afterwards",
    )
    parser.add_argument(
        "--dev", default=str(ROOT.parent / "shared" / "eval" / "dev_questions.yaml")
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="echo/full pairs, alternating; the ratio is their median (default 3)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one full-bot run with cProfile"
    )
    parser.add_argument("--profile-top", type=int, default=15, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.users < 1 or args.messages < 1 or args.rounds < 1:
        parser.error("--users, --messages and --rounds must be at least 1")
    args.dev = str(Path(args.dev).resolve())
    os.chdir(ROOT)  # knowledge_dir=Path("knowledge"), as production reads it
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
