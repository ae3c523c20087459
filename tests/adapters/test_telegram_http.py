"""The Bot API HTTP client: stale connections are never reused, and extra requests queue."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from telegram.request import RequestData

from bot.adapters import telegram_http
from bot.adapters.telegram_http import BotRequest, BotTransport, socket_is_readable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bool:
    """Reads one request; False when the client has closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return False
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return bool(head)


def _ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def test_an_idle_socket_is_not_readable_until_the_peer_closes_it() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not socket_is_readable(ours)
        theirs.close()
        assert socket_is_readable(ours)


async def test_a_keep_alive_connection_the_server_closed_is_not_reused(serve) -> None:  # type: ignore[no-untyped-def]
    async def answer_once_then_hang_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await _read_request(reader)
        writer.write(_ok(b"ok"))  # no "Connection: close": the client keeps it
        await writer.drain()
        writer.close()

    url = await serve(answer_once_then_hang_up)
    async with httpx.AsyncClient(transport=BotTransport(2)) as client:
        assert (await client.get(url)).text == "ok"
        await asyncio.sleep(0.05)  # the server has hung up by now
        assert (await client.get(url)).text == "ok"


async def test_the_transport_checks_idle_connections_through_its_own_backend(
    serve, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await _read_request(reader):
            writer.write(_ok(b"ok"))
            await writer.drain()

    checks: list[bool] = []

    def counted(sock: socket.socket | None) -> bool:
        checks.append(socket_is_readable(sock))
        return checks[-1]

    monkeypatch.setattr(telegram_http, "socket_is_readable", counted)
    url = await serve(keep_alive)
    async with httpx.AsyncClient(transport=BotTransport(2)) as client:
        await client.get(url)
        await client.get(url)  # reuses the idle connection: checked first
    assert checks and not any(checks)


async def test_requests_beyond_the_pool_wait_their_turn_and_all_complete(serve) -> None:  # type: ignore[no-untyped-def]
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await _read_request(reader):
            await asyncio.sleep(0.3)
            writer.write(_ok(b'{"ok": true, "result": true}'))
            await writer.drain()

    url = await serve(slow)
    # Ten requests on two connections: eight wait in the queue, in five rounds.
    request = BotRequest(connections=2)
    await request.initialize()
    try:
        replies = await asyncio.gather(
            *(request.do_request(url, "POST", RequestData()) for _ in range(10))
        )
    finally:
        await request.shutdown()
    assert [code for code, _ in replies] == [200] * 10
