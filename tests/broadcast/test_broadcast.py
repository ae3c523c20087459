"""Broadcasts: who receives an announcement, exactly once, within Telegram's limits.

Every test that takes `db` runs on SQLite and on PostgreSQL. Messages go
through the real `TelegramSender` (python-telegram-bot over HTTP) to the local
Bot API emulator; faults are injected in the emulator, never by mocking
python-telegram-bot. A fake clock makes waits (429s, backoff, quiet hours)
instant, so the file runs in seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from telegram import Bot

from bot.adapters.telegram_sender import TelegramSender
from bot.broadcast import report
from bot.broadcast.engine import EngineOptions, Progress, RunReport, run_campaign
from bot.broadcast.phrases import FOOTER, render
from bot.broadcast.quiet import LIMA, quiet_until
from bot.broadcast.sender import SenderUnavailable, SendResult
from bot.cli import main as cli_main
from bot.storage import broadcasts as store
from bot.storage.db import Database
from bot.storage.models import Campaign, Delivery, User
from telegram_emulator import BotApiEmulator
from tests.kit import ROOT

TOKEN = "123456789:" + "B" * 35
TEXT = "Convocatoria ProInnóvate: postule hasta el 30 de junio."
NIGHT = (dt.time(21, 0), dt.time(8, 0))


# --- helpers ---------------------------------------------------------------------------------


class FakeClock:
    """Time that passes only when the engine sleeps: waits cost nothing, and are recorded."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def lima(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=LIMA).astimezone(dt.UTC)


AFTERNOON = lima(2026, 3, 10, 15, 0)


class Recorder:
    """A Sender around the real one that notes when (fake time) each send happened."""

    def __init__(
        self,
        inner: Any,
        clock: FakeClock,
        after: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.inner = inner
        self.clock = clock
        self.after = after
        self.log: list[tuple[float, int, SendResult]] = []

    async def send(self, chat_id: int, text: str, photo: str | None) -> SendResult:
        at = self.clock.monotonic()
        result = await self.inner.send(chat_id, text, photo)
        self.log.append((at, chat_id, result))
        if self.after is not None:
            await self.after(len(self.log))
        return result


async def run_setting_status(
    db: Database,
    campaign_id: int,
    sender: TelegramSender,
    clock: FakeClock,
    *,
    after: int,
    status: str,
    status_every: int,
) -> RunReport:
    """Run the campaign while, once ``after`` messages went out, another process (a staff
    button, the CLI) sets its ``status``."""

    async def set_status(count: int) -> None:
        if count == after:
            async with db.session() as session:
                await store.set_status(session, campaign_id, status)

    return await run_campaign(
        db,
        campaign_id,
        Recorder(sender, clock, set_status),
        options(status_every=status_every),
        clock=clock,
    )


def options(**overrides: Any) -> EngineOptions:
    values: dict[str, Any] = {"rate": 30, "quiet_hours": None, "status_every": 5}
    values.update(overrides)
    return EngineOptions(**values)


async def add_users(db: Database, *users: User) -> None:
    async with db.session() as session:
        session.add_all(users)
        await session.commit()


def subscriber(user_id: int, region: str = "arequipa", sector: str = "textil", **kw: Any) -> User:
    return User(id=user_id, subscribed=True, region=region, sector=sector, **kw)


async def add_subscribers(db: Database, count: int, first: int = 1001) -> list[int]:
    ids = list(range(first, first + count))
    await add_users(db, *(subscriber(i) for i in ids))
    return ids


async def new_campaign(db: Database, text: str = TEXT, **kw: Any) -> int:
    async with db.session() as session:
        campaign = await store.create_campaign(session, text, **kw)
    assert campaign.id is not None
    return campaign.id


async def deliveries(db: Database, campaign_id: int) -> dict[int, Delivery]:
    async with db.session() as session:
        rows = await session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id))
        return {d.user_id: d for d in rows.all()}


async def campaign_row(db: Database, campaign_id: int) -> Campaign:
    async with db.session() as session:
        campaign = await store.get_campaign(session, campaign_id)
    assert campaign is not None
    return campaign


def received(emulator: BotApiEmulator) -> dict[int, int]:
    """How many messages each chat got."""
    counts: dict[int, int] = {}
    for message in emulator.sent():
        counts[message["chat_id"]] = counts.get(message["chat_id"], 0) + 1
    return counts


@pytest.fixture
async def sender(emulator: BotApiEmulator) -> AsyncIterator[TelegramSender]:
    bot = Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    async with TelegramSender(bot) as telegram_sender:
        yield telegram_sender


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(AFTERNOON)


# --- who receives it --------------------------------------------------------------------------


async def test_a_campaign_reaches_the_current_subscribers_of_its_segment(db: Database) -> None:
    await add_users(
        db,
        subscriber(1, "arequipa", "textil"),
        subscriber(2, "lima", "textil"),
        subscriber(3, "arequipa", "agroindustria"),
        User(id=4, subscribed=False, region="arequipa", sector="textil"),
        subscriber(5, "arequipa", "textil", blocked=True),
        User(id=6),
    )
    cases = {
        (None, None): {1, 2, 3},
        ("arequipa", None): {1, 3},
        (None, "textil"): {1, 2},
        ("arequipa", "textil"): {1},
        ("cusco", None): set(),
    }
    for (region, sector), expected in cases.items():
        campaign_id = await new_campaign(db, region=region, sector=sector)
        rows = await deliveries(db, campaign_id)
        assert set(rows) == expected, (region, sector)
        assert all(d.status == "pending" and d.attempts == 0 for d in rows.values())
        assert (await campaign_row(db, campaign_id)).total == len(expected)
        async with db.session() as session:
            assert await store.count_segment(session, region, sector) == len(expected)


async def test_everyone_gets_the_text_with_the_unsubscribe_footer_exactly_once(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 12)
    campaign_id = await new_campaign(db)
    progress: list[Progress] = []

    result = await run_campaign(
        db, campaign_id, sender, options(rate=10), clock=clock, on_progress=progress.append
    )

    assert result.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)
    for message in emulator.sent():
        assert message["text"] == render(TEXT)
        assert message["text"].endswith(FOOTER)
        assert "/baja" in message["text"]
        assert message["parse_mode"] is None  # plain text: nothing staff write can break it
    campaign = await campaign_row(db, campaign_id)
    assert campaign.status == "done"
    assert campaign.finished_at is not None
    assert campaign.lease_owner is None
    assert result.counts["sent"] == 12 and result.sends == 12
    assert result.sends_per_second == pytest.approx(10, rel=0.15)
    # Progress: at start, at most about every 2 seconds (12 sends at 10/s = 1.1 s), at the end.
    assert len(progress) <= 3
    assert progress[-1].final and progress[-1].counts["sent"] == 12
    assert progress[-1].percent == 100


async def test_rate_limit_spaces_sends_and_never_exceeds_thirty_per_second(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    await add_subscribers(db, 10)
    campaign_id = await new_campaign(db)
    recorder = Recorder(sender, clock)

    await run_campaign(db, campaign_id, recorder, options(rate=500), clock=clock)

    times = [at for at, _, _ in recorder.log]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-9


async def test_the_real_pace_stays_under_the_emulators_flood_limits(
    db: Database, sender: TelegramSender, emulator: BotApiEmulator
) -> None:
    emulator.rate_limit = 30
    emulator.per_chat_interval = 1.0
    ids = await add_subscribers(db, 20)
    campaign_id = await new_campaign(db)

    result = await run_campaign(db, campaign_id, sender, options(rate=25))  # the real clock

    assert result.outcome == "done"
    assert emulator.stats["429"] == 0
    assert received(emulator) == dict.fromkeys(ids, 1)


# --- Telegram's answers -----------------------------------------------------------------------


async def test_429_makes_everyone_wait_then_retries_the_same_person_and_skips_nobody(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 6)
    campaign_id = await new_campaign(db)
    emulator.fail_next("sendMessage", 429, retry_after=7, chat_id=ids[2])
    recorder = Recorder(sender, clock)

    result = await run_campaign(db, campaign_id, recorder, options(), clock=clock)

    assert result.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)
    assert [chat for _, chat, _ in recorder.log] == [ids[0], ids[1], ids[2], *ids[2:]]
    flood_at, _, flood = recorder.log[2]
    assert flood.kind == "retry_after" and flood.seconds == 7
    retry_at = recorder.log[3][0]
    assert retry_at - flood_at >= 7 - 1e-9  # nobody was sent anything during the wait
    assert result.flood_waits == 1
    assert (await deliveries(db, campaign_id))[ids[2]].attempts == 2


async def test_403_marks_the_person_blocked_and_leaves_them_out_of_the_next_campaign(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 4)
    emulator.blocked_chats.add(ids[1])
    campaign_id = await new_campaign(db)

    result = await run_campaign(db, campaign_id, sender, options(), clock=clock)

    assert result.outcome == "done"
    assert result.counts["blocked"] == 1 and result.counts["sent"] == 3
    rows = await deliveries(db, campaign_id)
    assert rows[ids[1]].status == "blocked"
    assert "blocked" in (rows[ids[1]].reason or "")
    async with db.session() as session:
        user = await session.get(User, ids[1])
        assert user is not None and user.blocked
    assert set(await deliveries(db, await new_campaign(db))) == {ids[0], ids[2], ids[3]}


async def test_400_chat_not_found_fails_that_one_with_its_reason(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 3)
    emulator.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=ids[0])
    campaign_id = await new_campaign(db)

    result = await run_campaign(db, campaign_id, sender, options(), clock=clock)

    rows = await deliveries(db, campaign_id)
    assert rows[ids[0]].status == "failed"
    assert rows[ids[0]].reason == "Chat not found"  # as python-telegram-bot words it
    assert rows[ids[0]].attempts == 1  # permanent: never retried
    assert received(emulator) == {ids[1]: 1, ids[2]: 1}
    assert result.outcome == "done" and result.counts["failed"] == 1


@pytest.mark.parametrize("fault", ["500", "502", "dropped connection"])
async def test_transient_errors_are_retried_with_backoff_until_they_succeed(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock, fault: str
) -> None:
    ids = await add_subscribers(db, 3)
    if fault == "dropped connection":
        emulator.drop_connection_next("sendMessage", times=2, chat_id=ids[1])
    else:
        emulator.fail_next("sendMessage", int(fault), times=2, chat_id=ids[1])
    campaign_id = await new_campaign(db)
    recorder = Recorder(sender, clock)

    result = await run_campaign(db, campaign_id, recorder, options(backoff_base=1.0), clock=clock)

    assert result.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)
    row = (await deliveries(db, campaign_id))[ids[1]]
    assert row.status == "sent" and row.attempts == 3
    attempts = [at for at, chat, _ in recorder.log if chat == ids[1]]
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 1 - 1e-9 and gaps[1] >= 2 - 1e-9  # backoff: 1 s, then 2 s


async def test_transient_errors_fail_after_the_bound(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 3)
    emulator.fail_next("sendMessage", 502, times=5, chat_id=ids[0])
    campaign_id = await new_campaign(db)

    result = await run_campaign(db, campaign_id, sender, options(max_attempts=3), clock=clock)

    row = (await deliveries(db, campaign_id))[ids[0]]
    assert row.status == "failed" and row.attempts == 3
    assert "Bad Gateway" in (row.reason or "") and "tras 3 intentos" in (row.reason or "")
    assert ids[0] not in received(emulator)
    assert result.outcome == "done" and result.counts == {**result.counts, "sent": 2, "failed": 1}


async def test_a_campaign_that_fails_for_everyone_pauses_itself(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    await add_subscribers(db, 10)
    emulator.fail_next("sendMessage", 400, "Bad Request: wrong file identifier", times=10)
    campaign_id = await new_campaign(db)

    result = await run_campaign(
        db, campaign_id, sender, options(max_consecutive_failures=3), clock=clock
    )

    assert result.outcome == "too_many_failures"
    assert result.status == "paused"
    assert result.counts["failed"] == 3 and result.counts["pending"] == 7
    assert "Wrong file identifier" in report.outcome_line(result)


async def test_a_sender_that_cannot_send_stops_the_run_and_loses_nobody(
    db: Database, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 4)
    campaign_id = await new_campaign(db)

    class RevokedAfterTwo:
        calls = 0

        async def send(self, chat_id: int, text: str, photo: str | None) -> SendResult:
            self.calls += 1
            if self.calls > 2:
                raise SenderUnavailable("token revocado")
            return await sender.send(chat_id, text, photo)

    with pytest.raises(SenderUnavailable):
        await run_campaign(db, campaign_id, RevokedAfterTwo(), options(), clock=clock)

    rows = await deliveries(db, campaign_id)
    assert [rows[i].status for i in ids] == ["sent", "sent", "pending", "pending"]
    assert (await campaign_row(db, campaign_id)).lease_owner is None


async def test_a_refused_token_is_caught_before_any_send(emulator: BotApiEmulator) -> None:
    wrong = "987654321:" + "C" * 35
    bot = Bot(wrong, base_url=emulator.base_url)
    with pytest.raises(SenderUnavailable) as caught:
        async with TelegramSender(bot):
            pass
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)
    assert wrong not in str(caught.value)  # the line staff see never shows the token
    assert emulator.calls_to("sendMessage") == []


async def test_a_local_photo_is_uploaded_once_and_its_file_id_reused(
    db: Database,
    emulator: BotApiEmulator,
    sender: TelegramSender,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    ids = await add_subscribers(db, 3)
    image = tmp_path / "afiche.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    campaign_id = await new_campaign(db, photo=str(image))

    await run_campaign(db, campaign_id, sender, options(), clock=clock)

    photos = emulator.calls_to("sendPhoto")
    assert [c.params["chat_id"] for c in photos] == ids
    assert "photo" in photos[0].files
    first_id = emulator.sent(ids[0])[0]["file_id"]
    assert [c.params["photo"] for c in photos[1:]] == [first_id, first_id]
    assert all(m["caption"] == render(TEXT) for m in emulator.sent())


# --- staff control -----------------------------------------------------------------------------


async def test_a_pause_from_elsewhere_stops_the_run_and_resume_finishes_it_once(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 20)
    campaign_id = await new_campaign(db)

    result = await run_setting_status(
        db, campaign_id, sender, clock, after=3, status="paused", status_every=4
    )

    assert result.outcome == "paused"
    assert 3 <= result.counts["sent"] <= 3 + 4
    campaign = await campaign_row(db, campaign_id)
    assert campaign.status == "paused" and campaign.lease_owner is None

    again = await run_campaign(db, campaign_id, sender, options(), clock=clock)
    assert again.outcome == "not_running" and again.sends == 0

    async with db.session() as session:
        await store.set_status(session, campaign_id, "running")
    resumed = await run_campaign(db, campaign_id, sender, options(), clock=clock)
    assert resumed.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)


async def test_cancel_stops_the_run_and_the_rest_is_never_sent(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    await add_subscribers(db, 20)
    campaign_id = await new_campaign(db)

    result = await run_setting_status(
        db, campaign_id, sender, clock, after=2, status="cancelled", status_every=1
    )

    assert result.outcome == "cancelled"
    assert len(emulator.sent()) == 2
    async with db.session() as session:
        with pytest.raises(store.TransitionRefused):
            await store.set_status(session, campaign_id, "running")
    assert (await run_campaign(db, campaign_id, sender, options(), clock=clock)).sends == 0
    assert len(emulator.sent()) == 2


async def test_quiet_hours_pause_sending_and_it_resumes_by_itself_in_the_morning(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    clock = FakeClock(lima(2026, 3, 10, 20, 59, 58))
    ids = await add_subscribers(db, 5)
    campaign_id = await new_campaign(db)
    recorder = Recorder(sender, clock)
    progress: list[Progress] = []

    result = await run_campaign(
        db,
        campaign_id,
        recorder,
        options(rate=1, quiet_hours=NIGHT, lease_seconds=3600),
        clock=clock,
        on_progress=progress.append,
    )

    assert result.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)
    sent_at = [clock.start + dt.timedelta(seconds=at) for at, _, _ in recorder.log]
    local = [moment.astimezone(LIMA) for moment in sent_at]
    assert [m.strftime("%H:%M:%S") for m in local[:2]] == ["20:59:58", "20:59:59"]
    morning = lima(2026, 3, 11, 8, 0)
    assert all(moment >= morning for moment in sent_at[2:])
    assert any(p.quiet_until == morning for p in progress)
    assert result.quiet_seconds == pytest.approx(11 * 3600, abs=5)
    assert (await campaign_row(db, campaign_id)).status == "done"


def test_quiet_hours_are_read_in_lima_time() -> None:
    assert quiet_until(lima(2026, 3, 10, 22, 30), NIGHT) == lima(2026, 3, 11, 8, 0)
    assert quiet_until(lima(2026, 3, 11, 7, 59), NIGHT) == lima(2026, 3, 11, 8, 0)
    assert quiet_until(lima(2026, 3, 11, 8, 0), NIGHT) is None
    assert quiet_until(lima(2026, 3, 11, 20, 59), NIGHT) is None
    lunch = (dt.time(13, 0), dt.time(14, 0))
    assert quiet_until(lima(2026, 3, 11, 13, 30), lunch) == lima(2026, 3, 11, 14, 0)
    assert quiet_until(lima(2026, 3, 11, 14, 30), lunch) is None
    assert quiet_until(lima(2026, 3, 11, 3, 0), (dt.time(8, 0), dt.time(8, 0))) is None
    assert quiet_until(lima(2026, 3, 11, 3, 0), None) is None


# --- crashes and workers -------------------------------------------------------------------------


async def test_after_a_crash_the_in_flight_one_is_unknown_and_every_pending_is_sent_once(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 6)
    campaign_id = await new_campaign(db)
    rows = await deliveries(db, campaign_id)
    ttl = dt.timedelta(seconds=30)
    async with db.session() as session:
        # The dead worker: it sent to the first, had a request in flight to the
        # second when it was killed, and its lease ran out a while ago.
        assert await store.claim_lease(session, campaign_id, "dead", ttl, clock.now() - 3 * ttl)
        await store.mark_sending(session, rows[ids[0]].id)
        await store.mark_sent(session, rows[ids[0]].id)
        await store.mark_sending(session, rows[ids[1]].id)

    result = await run_campaign(db, campaign_id, sender, options(), clock=clock)

    assert result.outcome == "done"
    assert result.recovered == 1
    rows = await deliveries(db, campaign_id)
    assert rows[ids[1]].status == "unknown"
    assert received(emulator) == dict.fromkeys(ids[2:], 1)  # not the sent one, not the unknown one
    assert [rows[i].status for i in ids] == ["sent", "unknown", "sent", "sent", "sent", "sent"]
    assert result.counts["unknown"] == 1
    lines = "\n".join(report.final_report(result))
    assert "posible envío interrumpido" in lines


async def test_recover_in_flight_touches_only_sending_rows_of_that_campaign(
    db: Database,
) -> None:
    await add_subscribers(db, 3)
    first, second = await new_campaign(db), await new_campaign(db)
    for campaign_id in (first, second):
        row = next(iter((await deliveries(db, campaign_id)).values()))
        async with db.session() as session:
            await store.mark_sending(session, row.id)

    async with db.session() as session:
        assert await store.recover_in_flight(session, first) == 1
        assert await store.recover_in_flight(session, first) == 0
        assert (await store.delivery_counts(session, first))["unknown"] == 1
        assert (await store.delivery_counts(session, second))["sending"] == 1


async def test_a_second_worker_cannot_claim_a_leased_campaign_until_the_lease_expires(
    db: Database, emulator: BotApiEmulator, sender: TelegramSender, clock: FakeClock
) -> None:
    ids = await add_subscribers(db, 3)
    campaign_id = await new_campaign(db)
    ttl = dt.timedelta(seconds=30)
    start = clock.now()
    async with db.session() as session:
        assert await store.claim_lease(session, campaign_id, "worker-a", ttl, start)
        assert await store.claim_lease(session, campaign_id, "worker-a", ttl, start)  # re-entrant
        assert not await store.claim_lease(session, campaign_id, "worker-b", ttl, start)
        assert await store.resumable_campaigns(session, start) == []

    busy = await run_campaign(db, campaign_id, sender, options(), owner="worker-b", clock=clock)
    assert busy.outcome == "busy" and busy.sends == 0
    assert emulator.sent() == []

    clock.advance(31)
    async with db.session() as session:
        assert await store.resumable_campaigns(session, clock.now()) == [campaign_id]
    taken = await run_campaign(db, campaign_id, sender, options(), owner="worker-b", clock=clock)
    assert taken.outcome == "done"
    assert received(emulator) == dict.fromkeys(ids, 1)
    async with db.session() as session:
        assert not await store.renew_lease(session, campaign_id, "worker-a", ttl, clock.now())


async def test_a_released_lease_can_be_claimed_at_once(db: Database, clock: FakeClock) -> None:
    await add_subscribers(db, 1)
    campaign_id = await new_campaign(db)
    ttl = dt.timedelta(seconds=30)
    async with db.session() as session:
        assert await store.claim_lease(session, campaign_id, "a", ttl, clock.now())
        await store.release_lease(session, campaign_id, "a")
        assert await store.claim_lease(session, campaign_id, "b", ttl, clock.now())


async def test_racing_workers_get_the_lease_exactly_once(db: Database, clock: FakeClock) -> None:
    await add_subscribers(db, 1)
    campaign_id = await new_campaign(db)
    ttl = dt.timedelta(seconds=30)

    async def claim(owner: str) -> bool:
        async with db.session() as session:
            return await store.claim_lease(session, campaign_id, owner, ttl, clock.now())

    results = await asyncio.gather(*(claim(f"w{i}") for i in range(5)))
    assert sum(results) == 1


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _restore_logging() -> Any:
    """The CLI installs its log handler on the root logger; put the previous one back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _env(monkeypatch: pytest.MonkeyPatch, database_url: str, emulator: BotApiEmulator) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(ROOT / "knowledge"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", emulator.base_url)
    monkeypatch.setenv("TELEGRAM_BASE_FILE_URL", emulator.base_file_url)
    monkeypatch.setenv("QUIET_HOURS", "")
    monkeypatch.setenv("BROADCAST_RATE", "30")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


async def _seed(database_url: str, *users: User) -> None:
    db = Database(database_url)
    try:
        await add_users(db, *users)
    finally:
        await db.dispose()


async def _campaigns(database_url: str) -> list[Campaign]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return await store.list_campaigns(session)
    finally:
        await db.dispose()


@pytest.fixture
def sync_emulator(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[BotApiEmulator]:
    """An emulator for the CLI (which runs its own event loop), with the environment
    `mypebot broadcast` reads pointing at it and at `database_url`."""
    with BotApiEmulator(token=TOKEN) as emu:
        _env(monkeypatch, database_url, emu)
        yield emu


def test_cli_dry_run_shows_exactly_what_will_be_sent_and_stores_nothing(
    database_url: str,
    sync_emulator: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    asyncio.run(_seed(database_url, subscriber(1), subscriber(2), subscriber(3, "lima")))
    announcement = tmp_path / "anuncio.txt"
    announcement.write_text(TEXT + "\n", encoding="utf-8")

    code = cli_main(
        ["broadcast", "send", "--text-file", str(announcement), "--region", "arequipa", "--dry-run"]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert render(TEXT) in out
    assert "Destinatarios: 2 en región arequipa." in out
    assert asyncio.run(_campaigns(database_url)) == []
    assert sync_emulator.calls == []


def test_cli_send_list_status_and_cancel(
    database_url: str,
    sync_emulator: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    asyncio.run(_seed(database_url, subscriber(1), subscriber(2), subscriber(3)))
    sync_emulator.blocked_chats.add(3)
    announcement = tmp_path / "anuncio.txt"
    announcement.write_text(TEXT, encoding="utf-8")

    assert cli_main(["broadcast", "send", "--text-file", str(announcement)]) == 0
    captured = capsys.readouterr()
    assert "Campaña 1 creada: 3 destinatarios." in captured.out
    assert "Campaña 1 terminada." in captured.out
    assert "enviados: 2" in captured.out and "bloquearon el bot: 1" in captured.out
    assert "100.0%" in captured.err  # the progress bar
    assert {m["chat_id"] for m in sync_emulator.sent()} == {1, 2}

    assert cli_main(["broadcast", "list"]) == 0
    assert "terminada" in capsys.readouterr().out
    assert cli_main(["broadcast", "status", "1"]) == 0
    assert "Campaña 1 · terminada" in capsys.readouterr().out
    assert cli_main(["broadcast", "cancel", "1"]) == 1
    assert "no se puede cancelar" in capsys.readouterr().err
    assert cli_main(["broadcast", "status", "99"]) == 1
    assert capsys.readouterr().err.strip() == "No existe la campaña 99."


def test_cli_resume_after_a_crash_reports_the_interrupted_one(
    database_url: str,
    sync_emulator: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(_seed(database_url, subscriber(1), subscriber(2), subscriber(3)))

    async def crashed() -> None:
        db = Database(database_url)
        try:
            campaign_id = await new_campaign(db)
            rows = await deliveries(db, campaign_id)
            async with db.session() as session:
                await store.mark_sending(session, rows[1].id)
                assert await store.claim_lease(session, campaign_id, "killed", dt.timedelta(0))
        finally:
            await db.dispose()

    asyncio.run(crashed())

    assert cli_main(["broadcast", "resume", "1"]) == 0
    out = capsys.readouterr().out
    assert "Campaña 1 terminada." in out
    assert "posible envío interrumpido: 1" in out
    assert {m["chat_id"] for m in sync_emulator.sent()} == {2, 3}


def test_cli_errors_are_one_spanish_line(
    database_url: str,
    sync_emulator: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-existe.txt"
    assert cli_main(["broadcast", "send", "--text-file", str(missing)]) == 1
    assert capsys.readouterr().err.strip() == f"No encuentro el archivo {missing}."

    long_text = tmp_path / "largo.txt"
    long_text.write_text("a" * 1100, encoding="utf-8")
    code = cli_main(
        ["broadcast", "send", "--text-file", str(long_text), "--photo", "x" * 30, "--dry-run"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "demasiado largo" in err and "1024" in err and len(err.splitlines()) == 1

    short = tmp_path / "corto.txt"
    short.write_text(TEXT, encoding="utf-8")
    assert cli_main(["broadcast", "send", "--text-file", str(short), "--photo", "no/hay.png"]) == 1
    assert "no es un archivo ni un file_id" in capsys.readouterr().err

    assert cli_main(["broadcast", "send", "--text-file", str(short), "--region", "cusco"]) == 1
    assert "No hay suscriptores en región cusco" in capsys.readouterr().err
