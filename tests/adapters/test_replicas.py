"""Two bot processes in webhook mode on one PostgreSQL behave as one bot.

The processes are real `mypebot run` commands (the systemd path of deploy/),
started on loopback ports behind this test's own Bot API emulator.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.storage.db import upgrade
from telegram_emulator import BotApiEmulator
from tests.kit import ROOT
from tests.kit.databases import create_postgres_database, drop_postgres_database
from tests.kit.webhook import NEW_ENTRY, SECRET, copy_knowledge, free_port

pytestmark = pytest.mark.postgres

TOKEN = "123456789:" + "C" * 35
ANA, LUIS, STAFF = 5201, 5202, 9201
MYPEBOT = str(Path(sys.executable).parent / "mypebot")


@pytest.fixture
def database() -> Iterator[str]:
    url = create_postgres_database()
    upgrade(url)
    yield url
    drop_postgres_database(url)


class Replica:
    def __init__(
        self, emu: BotApiEmulator, database: str, log_dir: Path, name: str, knowledge: Path
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (log_dir / f"{name}.log").open("w")
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": emu.base_url,
            "TELEGRAM_BASE_FILE_URL": emu.base_file_url,
            "DATABASE_URL": database,
            "KNOWLEDGE_DIR": str(knowledge),
            "ADMIN_IDS": str(STAFF),
            "WEBHOOK_URL": f"{self.base}/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(self.port),
            "WEBHOOK_LISTEN": "127.0.0.1",
            "QUIET_HOURS": "",
            "BROADCAST_RATE": "30",
            "LOG_LEVEL": "INFO",
        }
        self.process = subprocess.Popen(
            [MYPEBOT, "run"], env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"replica exited with {self.process.returncode}: see {self.log.name}"
                    )
                try:
                    if (await client.get(self.base + "/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("replica did not become healthy")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
async def replicas(
    database: str, tmp_path: Path
) -> AsyncIterator[tuple[BotApiEmulator, Replica, Replica]]:
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    knowledge = copy_knowledge(tmp_path)  # shared by both, as on one server or a shared volume
    a = Replica(emu, database, tmp_path, "a", knowledge)
    b = Replica(emu, database, tmp_path, "b", knowledge)
    try:
        await asyncio.gather(a.ready(), b.ready())
        yield emu, a, b
    finally:
        a.stop()
        b.stop()
        emu.stop()


async def deliver(
    emu: BotApiEmulator, replica: Replica, update: dict, secret: str | None = SECRET
) -> int:
    return await emu.adeliver_to_webhook(
        replica.base + "/telegram", update, secret_token=secret, timeout=15
    )


async def test_one_conversation_continues_across_replicas(replicas) -> None:
    emu, a, b = replicas
    emu.mark()
    assert await deliver(emu, a, emu.send_text(ANA, "/menu")) == 200
    [menu] = await emu.wait_for_messages(ANA, 1, timeout=15)
    emu.mark()
    assert await deliver(emu, b, emu.press_button(ANA, "menu:cite", menu["message_id"])) == 200
    [sectors] = await emu.wait_for_messages(ANA, 1, timeout=15)
    emu.mark()
    await deliver(emu, a, emu.press_button(ANA, "cs:pesca-acuicultura", sectors["message_id"]))
    await emu.wait_for_messages(ANA, 1, timeout=15)
    emu.mark()
    await deliver(
        emu, b, emu.send_text(ANA, "chimbote")
    )  # the typed region reaches the other replica
    [needs] = await emu.wait_for_messages(ANA, 1, timeout=15)
    datas = [
        btn["callback_data"] for row in needs["reply_markup"]["inline_keyboard"] for btn in row
    ]
    assert any(d.startswith("cn:pesca-acuicultura:ancash:") for d in datas)


async def test_same_update_to_both_replicas_is_handled_once(replicas) -> None:
    emu, a, b = replicas
    emu.mark()
    update = emu.send_text(LUIS, "que es un cite")
    statuses = await asyncio.gather(deliver(emu, a, update), deliver(emu, b, update))
    assert statuses == [200, 200]
    await emu.wait_for_messages(LUIS, 1, timeout=15)
    await asyncio.sleep(0.5)
    assert len(emu.sent(LUIS)) == 1


async def test_request_without_the_secret_is_refused(replicas) -> None:
    emu, a, b = replicas
    for replica in (a, b):
        assert await deliver(emu, replica, emu.send_text(ANA, "hola"), secret=None) == 403


async def test_health_and_metrics_answer_on_both(replicas) -> None:
    emu, a, b = replicas
    await deliver(emu, a, emu.send_text(ANA, "que es un cite"))
    async with httpx.AsyncClient() as client:
        for replica in (a, b):
            assert (await client.get(replica.base + "/healthz")).json()["status"] == "ok"
            metrics = (await client.get(replica.base + "/metrics")).text
            assert "mypebot_updates_received_total" in metrics
        assert (
            'mypebot_replies_total{kind="answer"} 1' in (await client.get(a.base + "/metrics")).text
        )


async def test_a_campaign_is_sent_once_in_total_by_two_replicas(replicas) -> None:
    emu, a, b = replicas
    subscribers = list(range(7101, 7121))
    for index, user in enumerate(subscribers):
        emu.mark()
        await deliver(emu, (a, b)[index % 2], emu.send_text(user, "/novedades"))
        await emu.wait_for_messages(user, 1, timeout=15)
    emu.mark()
    await deliver(emu, a, emu.send_text(STAFF, "/anunciar"))
    await emu.wait_for_messages(STAFF, 1, timeout=15)
    emu.mark()
    await deliver(emu, b, emu.send_text(STAFF, "Convocatoria abierta"))
    _, control = await emu.wait_for_messages(STAFF, 2, timeout=15)
    go = next(
        btn["callback_data"]
        for row in control["reply_markup"]["inline_keyboard"]
        for btn in row
        if btn["callback_data"] == "ann:go"
    )
    await deliver(emu, a, emu.press_button(STAFF, go, control["message_id"]))
    for _ in range(300):
        got = {
            u: [m for m in emu.sent(u) if "Convocatoria abierta" in (m["plain_text"] or "")]
            for u in subscribers
        }
        if all(got.values()):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # a second replica sending twice would show up now
    counts = {
        u: len([m for m in emu.sent(u) if "Convocatoria abierta" in (m["plain_text"] or "")])
        for u in subscribers
    }
    assert set(counts.values()) == {1}, counts


async def test_a_reload_on_one_replica_reaches_the_other(replicas, tmp_path: Path) -> None:
    emu, a, b = replicas
    (tmp_path / "knowledge" / "entries" / "prueba-recarga.md").write_text(NEW_ENTRY)
    emu.mark()
    await deliver(emu, a, emu.send_text(STAFF, "/recargar"))
    [done] = await emu.wait_for_messages(STAFF, 1, timeout=15)
    assert "recargada" in done["plain_text"]
    for _ in range(40):
        emu.mark()
        await deliver(emu, b, emu.send_text(LUIS, "que es la feria zorblax?"))
        [reply] = await emu.wait_for_messages(LUIS, 1, timeout=15)
        if "agregada por un curador" in reply["plain_text"]:
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("replica b never reloaded")
    async with httpx.AsyncClient() as client:
        digests = {
            (await client.get(r.base + "/healthz")).json()["knowledge_digest"] for r in (a, b)
        }
    assert len(digests) == 1


async def test_a_double_tap_on_send_reaching_both_replicas_creates_one_campaign(
    replicas, database: str
) -> None:
    from sqlalchemy import text

    from bot.storage.db import create_engine

    emu, a, b = replicas
    subscribers = [7201, 7202, 7203]
    for user in subscribers:
        emu.mark()
        await deliver(emu, a, emu.send_text(user, "/novedades"))
        await emu.wait_for_messages(user, 1, timeout=15)
    rounds = 5
    for round_ in range(rounds):
        emu.mark()
        await deliver(emu, a, emu.send_text(STAFF, "/anunciar"))
        await emu.wait_for_messages(STAFF, 1, timeout=15)
        emu.mark()
        await deliver(emu, b, emu.send_text(STAFF, f"Feria número {round_}"))
        _, control = await emu.wait_for_messages(STAFF, 2, timeout=15)
        emu.mark()
        taps = [emu.press_button(STAFF, "ann:go", control["message_id"]) for _ in range(2)]
        await asyncio.gather(deliver(emu, a, taps[0]), deliver(emu, b, taps[1]))
        replies = await emu.wait_for_messages(STAFF, 2, timeout=15)
        assert sum("no creé otra" in (r["plain_text"] or "") for r in replies) == 1, replies
    engine = create_engine(database)
    try:
        async with engine.connect() as conn:
            campaigns = (await conn.execute(text("SELECT count(*) FROM campaigns"))).scalar_one()
    finally:
        await engine.dispose()
    assert campaigns == rounds
    for _ in range(300):
        if all(len(emu.sent(u)) >= 1 + rounds for u in subscribers):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    for user in subscribers:
        for round_ in range(rounds):
            copies = [m for m in emu.sent(user) if f"Feria número {round_}" in m["plain_text"]]
            assert len(copies) == 1, (user, round_, len(copies))
