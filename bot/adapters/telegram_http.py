"""The HTTP client the Telegram adapter talks to the Bot API with.

python-telegram-bot's default client is httpx over httpcore's connection pool.
That pool is built for a few requests at a time: before and after every request
it walks all its connections, and for each idle one asks the AnyIO stream
whether the server has closed it. AnyIO answers by building a dict of socket
attributes (two system calls) every time; and requests that wait for a free
connection are rescanned on every change. With chats handled concurrently the
bot spent more time in that bookkeeping than in its own work (cProfile in
benchmarks/bot_throughput.py). Two changes keep the behaviour and drop the cost:

- the "has the server closed this idle connection?" check reads the socket it
  already holds (one poll(), as httpcore itself does), through httpcore's public
  network-backend hook instead of AnyIO's attribute lookup;
- at most `connections` requests are in the pool at once; the rest wait their
  turn in an asyncio semaphore (first come, first served), not in the pool's
  own queue, which is rescanned on every change.
"""

# ruff: noqa: ASYNC109 - httpcore's network-backend interface passes these timeouts
from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

CONNECTIONS = 4  # measured best in benchmarks/bot_throughput.py (2, 3, 4 and 8 tried)


def socket_is_readable(sock: socket.socket | None) -> bool:
    """True when a read would not block: data, or the server's end-of-stream.

    An idle keep-alive connection has nothing to read unless the server closed
    it, so "readable" means "do not send on this one". A missing or closed
    socket counts as readable for the same reason.
    """
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """An AnyIO stream whose 'is_readable' check goes straight to its socket."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return socket_is_readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend, handing out `_Stream`s."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _Stream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return _Stream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class BotTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a pool that uses `_Backend` (HTTP/1.1, TLS verified)."""

    def __init__(self, connections: int) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        super().__init__(limits=limits)
        # httpx has no parameter for httpcore's network backend; its pool is rebuilt
        # with the same settings plus the backend (a test checks the backend is used).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_Backend(),
        )


class BotRequest(HTTPXRequest):
    """python-telegram-bot's request object with `BotTransport` and a fair queue."""

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self._slots = asyncio.Semaphore(connections)
        # One transport for the request object's life: httpcore's pool can be used
        # again after python-telegram-bot closes it on shutdown.
        super().__init__(
            connection_pool_size=connections,
            httpx_kwargs={"transport": BotTransport(connections)},
        )

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(*args, **kwargs)
