"""Webhook mode in one process: secret token, limits, /healthz, /metrics and knowledge reloads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.adapters.telegram_app import build_application
from bot.adapters.webhook import MAX_BODY, SECRET_HEADER, WebhookLimits, serve
from bot.app import Services, build_services
from telegram_emulator import BotApiEmulator
from tests.kit import ROOT
from tests.kit.telegram import bot_settings
from tests.kit.webhook import NEW_ENTRY, SECRET, copy_knowledge, free_port

TOKEN = "123456789:" + "B" * 35
ANA, STAFF = 5101, 9101
# Short timeouts so that the tests that wait for them stay fast.
FAST = WebhookLimits(idle_timeout=0.5, body_timeout=0.5)
# Longer than any test waits: a connection closed sooner was closed for another reason.
SLOW = WebhookLimits(idle_timeout=30, body_timeout=30, max_connections=8)


@contextlib.asynccontextmanager
async def running_server(
    database_url: str, tmp_path: Path, limits: WebhookLimits
) -> AsyncIterator[tuple[BotApiEmulator, Services, str]]:
    knowledge = copy_knowledge(tmp_path)
    port = free_port()
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    settings = bot_settings(
        emu,
        database_url,
        knowledge_dir=knowledge,
        admin_ids=str(STAFF),
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    services = await build_services(settings, migrate=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(services, build_application(services), stop, limits))
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.get(base + "/healthz")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    try:
        yield emu, services, base
    finally:
        stop.set()
        await task
        await services.db.dispose()
        emu.stop()


@pytest.fixture
async def server(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[BotApiEmulator, Services, str]]:
    async with running_server(database_url, tmp_path, FAST) as running:
        yield running


@pytest.fixture
async def guarded(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[str]:
    """The server's base URL, on SQLite only: the limits do not depend on the database.

    Limits other than FAST come with `@pytest.mark.parametrize("guarded", [...], indirect=True)`.
    """
    path = tmp_path / "mypebot.sqlite3"
    shutil.copy(sqlite_template, path)
    limits = getattr(request, "param", FAST)
    async with running_server(f"sqlite+aiosqlite:///{path}", tmp_path, limits) as running:
        yield running[2]


async def exchange(base: str, data: bytes, wait: float = 3.0) -> tuple[bytes, float]:
    """Send raw bytes on a new connection; return what came back until the server closed it.

    Fails if the server still holds the connection open after `wait` seconds.
    """
    port = int(base.rsplit(":", 1)[1])
    start = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = b""
    try:
        if data:
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        async with asyncio.timeout(wait):
            while chunk := await reader.read(65536):
                received += chunk
    except TimeoutError:
        pytest.fail(f"server kept the connection open for {wait} s; it sent {received[:80]!r}")
    except ConnectionError:
        pass  # closed with unread data: a reset instead of a clean close
    finally:
        writer.close()
    return received, time.monotonic() - start


def head(path: str, secret: str | None, extra: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


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


# --- Limits: what a client that is not Telegram can make the server do -----------------------


@pytest.mark.parametrize("secret", [None, "wrong"])
async def test_large_body_without_the_secret_is_refused_before_it_is_read(guarded, secret) -> None:
    # Only the headers are sent: the answer has to come from them alone.
    received, elapsed = await exchange(
        guarded, head("/telegram", secret, f"Content-Length: {64 * 1024 * 1024}\r\n")
    )
    assert received.startswith(b"HTTP/1.1 403 ")
    assert received.endswith(b'{"ok": false}') and len(received) < 300
    assert b"server:" not in received.lower() and b"tornado" not in received.lower()
    assert elapsed < 2


async def test_oversize_body_with_the_secret_is_refused_with_413(guarded) -> None:
    received, _ = await exchange(
        guarded, head("/telegram", SECRET, f"Content-Length: {MAX_BODY + 1}\r\n")
    )
    assert received.startswith(b"HTTP/1.1 413 ")
    assert received.endswith(b'{"ok": false}')


async def test_oversize_chunked_body_is_refused_without_reading_it(guarded) -> None:
    # A chunked body declares no total length; tornado's own check (the server's
    # max_body_size) refuses it from the chunk's declared size, before its data is read.
    size = MAX_BODY + 1
    received, elapsed = await exchange(
        guarded,
        head("/telegram", SECRET, "Transfer-Encoding: chunked\r\n") + f"{size:x}\r\n".encode(),
    )
    assert received == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    assert elapsed < 2


@pytest.mark.parametrize("sent", [b"", b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
async def test_idle_connection_or_slow_headers_are_cut_off(guarded, sent) -> None:
    received, elapsed = await exchange(guarded, sent)
    assert received == b""
    assert FAST.idle_timeout * 0.8 <= elapsed < 2


async def test_slow_body_is_cut_off(guarded) -> None:
    received, elapsed = await exchange(
        guarded, head("/telegram", SECRET, "Content-Length: 100\r\n") + b'{"update_id":'
    )
    assert received == b""
    assert FAST.body_timeout * 0.8 <= elapsed < 2


async def test_unknown_path_and_wrong_method_answer_without_details(guarded) -> None:
    async with httpx.AsyncClient() as client:
        missing = await client.post(guarded + "/otra", content=b"x" * 1000)
        wrong_method = await client.get(guarded + "/telegram", headers={SECRET_HEADER: SECRET})
    for response in (missing, wrong_method):
        assert response.json() == {"ok": False}
        assert "server" not in response.headers
    assert (missing.status_code, wrong_method.status_code) == (404, 405)


@pytest.mark.parametrize("guarded", [SLOW], indirect=True)
async def test_connections_beyond_the_cap_are_closed_and_health_comes_back(guarded) -> None:
    port = int(guarded.rsplit(":", 1)[1])
    idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(SLOW.max_connections)]
    await asyncio.sleep(0.2)  # the server accepts them on this same event loop
    try:
        received, elapsed = await exchange(guarded, b"GET /healthz HTTP/1.1\r\n\r\n")
        assert received == b"" and elapsed < 1  # closed at once, not after the idle timeout
    finally:
        for _, writer in idle:
            writer.close()
    await asyncio.sleep(0.2)
    async with httpx.AsyncClient() as client:
        assert (await client.get(guarded + "/healthz")).status_code == 200


def test_open_file_limit_is_raised_from_systemds_default() -> None:
    # systemd's soft limit of 1,024 is what let ~1,100 idle sockets stop accept() altogether.
    code = (
        "import resource\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, soft), hard))\n"
        "from bot.adapters.webhook import raise_open_file_limit\n"
        "print(raise_open_file_limit(5000), hard)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    raised, hard = (int(value) for value in result.stdout.split())
    assert raised == min(5000, hard)


def largest_update(emu: BotApiEmulator, update_id: int) -> bytes:
    """An update as large as the Bot API's limits allow, JSON-escaped as Telegram may send it."""
    text = "\U0001f600" * 2048  # 4,096 UTF-16 units: the longest text message
    entities = [{"type": "bold", "offset": 40 * i, "length": 2} for i in range(100)]
    keyboard = [
        [{"text": "\U0001f600" * 32, "callback_data": "x" * 64} for _ in range(10)]
        for _ in range(10)
    ]
    quoted = emu.send_text(ANA, text, entities=entities, reply_markup={"inline_keyboard": keyboard})
    body = update(emu, ANA, text, update_id)
    body["message"].update(
        entities=entities,
        reply_to_message=quoted["message"],
        quote={"text": text[:512], "position": 0, "entities": entities},
    )
    return json.dumps(body, ensure_ascii=True).encode()


async def test_largest_realistic_update_is_accepted_well_within_the_limit(server) -> None:
    emu, _, base = server
    body = largest_update(emu, 50)
    assert len(body) < MAX_BODY / 4  # the margin MAX_BODY's comment promises
    async with httpx.AsyncClient() as client:
        response = await client.post(
            base + "/telegram",
            content=body,
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
            timeout=10,
        )
    assert response.status_code == 200 and response.json() == {"ok": True}
