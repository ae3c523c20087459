"""Webhook mode in one process: secret token, /healthz, /metrics and knowledge reloads."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.adapters.telegram_app import build_application
from bot.adapters.webhook import SECRET_HEADER, serve
from bot.app import Services, build_services
from bot.config import load_settings
from tests.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "B" * 35
SECRET = "s3cr3t-token_for-tests"
ANA, STAFF = 5101, 9101


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def server(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[BotApiEmulator, Services, str]]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    port = free_port()
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=database_url,
        knowledge_dir=knowledge,
        admin_ids=str(STAFF),
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    services = await build_services(settings, migrate=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(services, build_application(services), stop))
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.get(base + "/healthz")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    yield emu, services, base
    stop.set()
    await task
    await services.db.dispose()
    emu.stop()


def update(emu: BotApiEmulator, user: int, text: str, update_id: int) -> dict:
    message = emu.send_text(user, text)  # recorded in the emulator, not polled by anyone
    return {**message, "update_id": update_id}


async def post(base: str, body: dict, secret: str | None = SECRET) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        return await client.post(base + "/telegram", json=body, headers=headers, timeout=10)


async def test_webhook_is_registered_with_the_secret(server) -> None:
    emu, _, base = server
    assert emu.webhook["url"] == base + "/telegram"
    assert emu.webhook.get("secret_token") == SECRET


async def test_update_with_the_secret_is_answered(server) -> None:
    emu, _, base = server
    emu.mark()
    response = await post(base, update(emu, ANA, "que es un cite", 10))
    assert response.status_code == 200
    [reply] = await emu.wait_for_messages(ANA, 1)
    assert "Fuente:" in reply["plain_text"]


@pytest.mark.parametrize("secret", [None, "wrong"])
async def test_request_without_the_right_secret_is_refused(server, secret) -> None:
    emu, _, base = server
    emu.mark()
    response = await post(base, update(emu, ANA, "que es un cite", 11), secret=secret)
    assert response.status_code == 403
    await asyncio.sleep(0.2)
    assert emu.sent(ANA) == []


async def test_same_update_delivered_twice_is_answered_once(server) -> None:
    emu, _, base = server
    emu.mark()
    body = update(emu, ANA, "que es un cite", 12)
    assert (await post(base, body)).status_code == 200
    assert (await post(base, body)).status_code == 200
    assert len(emu.sent(ANA)) == 1


async def test_health_reports_database_and_knowledge(server) -> None:
    _, services, base = server
    async with httpx.AsyncClient() as client:
        health = (await client.get(base + "/healthz")).json()
    assert health["status"] == "ok" and health["database"] is True
    assert health["knowledge_entries"] == len(services.core.kb.entries)


async def test_metrics_in_prometheus_format(server) -> None:
    emu, _, base = server
    await post(base, update(emu, ANA, "que es un cite", 13))
    async with httpx.AsyncClient() as client:
        response = await client.get(base + "/metrics")
    body = response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE mypebot_updates_received_total counter" in body
    assert 'mypebot_replies_total{kind="answer"}' in body
    assert "mypebot_leads" in body and "mypebot_broadcast_sends" in body


async def test_broken_knowledge_edit_is_refused_and_old_answers_keep_serving(server) -> None:
    emu, services, base = server
    (services.settings.knowledge_dir / "entries" / "cite-que-es.md").write_text("sin encabezado\n")
    emu.mark()
    await post(base, update(emu, STAFF, "/recargar", 20))
    [refused] = await emu.wait_for_messages(STAFF, 1)
    assert "No recargué" in refused["plain_text"] and "cite-que-es.md" in refused["plain_text"]
    emu.mark()
    await post(base, update(emu, ANA, "que es un cite", 21))
    [reply] = await emu.wait_for_messages(ANA, 1)
    assert "Fuente:" in reply["plain_text"]


NEW_ENTRY = """---
id: prueba-recarga
title: Feria de prueba de recarga
questions:
  - cuando es la feria zorblax
  - feria zorblax
  - donde queda la feria zorblax
  - que es la feria zorblax
  - hay feria zorblax este mes
tags: [prueba]
sources:
  - title: "Fuente de prueba"
    url: "https://example.org/prueba"
reviewed: 2026-11-26
---
La feria zorblax es una entrada nueva agregada por un curador.
"""


async def test_valid_knowledge_edit_is_reloaded_without_restart(server) -> None:
    emu, services, base = server
    (services.settings.knowledge_dir / "entries" / "prueba-recarga.md").write_text(NEW_ENTRY)
    emu.mark()
    await post(base, update(emu, STAFF, "/recargar", 30))
    [done] = await emu.wait_for_messages(STAFF, 1)
    assert "recargada" in done["plain_text"]
    emu.mark()
    await post(base, update(emu, ANA, "que es la feria zorblax?", 31))
    [reply] = await emu.wait_for_messages(ANA, 1)
    assert "entrada nueva agregada por un curador" in reply["plain_text"]


async def test_reload_is_refused_to_non_admins(server) -> None:
    emu, _, base = server
    emu.mark()
    await post(base, update(emu, ANA, "/recargar", 40))
    [reply] = await emu.wait_for_messages(ANA, 1)
    assert "solo para el equipo" in reply["plain_text"]
