"""Webhook mode: an HTTP server that receives Telegram's updates, plus /healthz and /metrics.

Each replica runs this server on its own port behind the public WEBHOOK_URL.
A request must carry Telegram's secret token header (WEBHOOK_SECRET) or it is
refused. The update is processed before answering 200, so if a replica dies
mid-update Telegram delivers it again, and the database's processed-update
record makes the second delivery harmless.

The server is reachable by anyone who can reach the proxy, so it guards itself:
every route reads its body as a stream and decides from the headers alone
(secret token, then declared size) before a single body byte is read; bodies
are capped at `WebhookLimits.max_body`; slow or idle connections are closed
after a few seconds; the soft open-file limit is raised from systemd's 1,024
and open connections are capped below it, so a flood of idle sockets cannot
make accept() fail and take /healthz down with it. Refusals are a tiny JSON
body, with no server banner and no detail.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from bot import metrics
from bot.app import Services
from bot.storage.health import status_counts

try:
    import resource
except ImportError:  # not on Windows; the webhook is deployed on Linux
    resource = None  # type: ignore[assignment]  # the module is absent there, so the name is None

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Telegram never puts files in an update (only their file_id), so an update is
# a few KB of JSON. The largest we can build from the Bot API's own limits (a
# 4,096-character text quoting another 4,096-character message, every character
# escaped as \uXXXX, plus entities, a quote and a 100-button keyboard; see
# tests/adapters/test_webhook.py) is about 120 KB. 1 MiB leaves eight times that as
# headroom and keeps a hostile body from costing more than 1 MiB per connection.
MAX_BODY = 1024 * 1024
# Telegram's requests carry a handful of short headers; a proxy adds a few more.
MAX_HEADER_SIZE = 16 * 1024
# Tornado uses one timeout for a kept-alive connection waiting for its next
# request and for a new request's headers to arrive. Telegram and the proxies
# send headers at once, and reopening a connection is cheap.
IDLE_TIMEOUT = 10.0
# Whole body, at most MAX_BODY: a second from a datacenter; ten is generous.
BODY_TIMEOUT = 10.0
# Telegram opens at most 100 connections per bot (40 by default); the proxy and
# Prometheus add a few. Beyond this a new connection is closed at once.
MAX_CONNECTIONS = 4096
# Open files kept free for everything else: database pool, Bot API client, logs, knowledge.
FD_RESERVE = 256


@dataclass(frozen=True)
class WebhookLimits:
    """How much a client may send and for how long; tests shorten the timeouts."""

    max_body: int = MAX_BODY
    idle_timeout: float = IDLE_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    max_connections: int = MAX_CONNECTIONS


@tornado.web.stream_request_body
class _Base(tornado.web.RequestHandler):
    """Streams the body so that the decision to accept a request is taken from its headers."""

    def initialize(self, services: Services, telegram_app: Application, max_body: int = 0) -> None:
        self.services = services
        self.application_ = telegram_app
        self.max_body = max_body
        self._chunks: list[bytes] = []
        self._received = 0

    def set_default_headers(self) -> None:
        self.clear_header("Server")  # no version banner for scanners

    def authorized(self) -> bool:
        return True

    def prepare(self) -> None:
        if not self.authorized():
            log.warning("webhook request refused: missing or wrong secret token")
            self.refuse(403)
            return
        declared = self.request.headers.get("Content-Length", "0").strip()
        # A malformed length ("²" passes str.isdigit) is left to tornado, which answers
        # 400 without reading.
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body:
            self.refuse(413)

    def data_received(self, chunk: bytes) -> None:
        # Counted as it arrives: a chunked body declares no length up front.
        self._received += len(chunk)
        if self._received > self.max_body:
            self._chunks.clear()
            self.refuse(413)
            return
        self._chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self._chunks)

    def refuse(self, status: int) -> None:
        """Answer without reading the rest of the body; tornado then closes the connection."""
        if self._finished:
            return
        self.set_status(status)
        self.set_header("Connection", "close")
        self.finish({"ok": False})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Tornado's default page names the server and, in debug mode, the traceback.
        self.finish({"ok": False})

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Tornado would log the request body on errors: it may hold personal data.
        log.error("webhook handler failed: %s", typ.__name__ if typ else "?")


class UpdateHandler(_Base):
    def authorized(self) -> bool:
        secret = self.services.settings.webhook_secret
        given = self.request.headers.get(SECRET_HEADER, "")
        return secret is None or hmac.compare_digest(
            given.encode(), secret.get_secret_value().encode()
        )

    async def post(self) -> None:
        if self._finished:
            return
        try:
            data = json.loads(self.body() or b"{}")
            update = Update.de_json(data, self.application_.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            self.finish({"ok": False})
            return
        await self.application_.process_update(update)
        self.finish({"ok": True})


class NotFoundHandler(_Base):
    """Any other path: 404 before reading a body, in the same small JSON as other refusals."""

    def prepare(self) -> None:
        self.refuse(404)


class HealthHandler(_Base):
    async def get(self) -> None:
        database = await self.services.db.ping()
        kb = self.services.core.kb
        healthy = database and bool(kb.entries)
        self.set_status(200 if healthy else 503)
        self.finish(
            {
                "status": "ok" if healthy else "unavailable",
                "database": database,
                "knowledge_entries": len(kb.entries),
                "knowledge_digest": kb.digest,
            }
        )


class MetricsHandler(_Base):
    async def get(self) -> None:
        lines: list[str] = []
        for counter in metrics.ALL:
            lines += counter.render()
        async with self.services.db.session() as session:
            counts = await status_counts(session)
        lines += metrics.gauge("mypebot_leads", "Leads stored, by status.", "status", counts.leads)
        lines += metrics.gauge(
            "mypebot_broadcast_sends",
            "Broadcast deliveries, by outcome.",
            "outcome",
            counts.deliveries,
        )
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish("\n".join(lines) + "\n")


def webhook_path(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.startswith("/") else "/" + path


def make_app(
    services: Services, application: Application, limits: WebhookLimits = WebhookLimits()
) -> tornado.web.Application:
    args = {"services": services, "telegram_app": application}
    path = webhook_path(services.settings.webhook_url or "/telegram")
    return tornado.web.Application(
        [
            (path, UpdateHandler, {**args, "max_body": limits.max_body}),
            (r"/healthz", HealthHandler, args),
            (r"/metrics", MetricsHandler, args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
    )


class _CappedHTTPServer(HTTPServer):
    """Closes a new connection at once when `max_connections` are already open.

    Accepting and closing keeps the accept loop healthy: if instead the process
    ran out of file descriptors, accept() would fail with EMFILE on every
    iteration of the event loop and nothing, not even /healthz, would be served.
    """

    max_connections = MAX_CONNECTIONS
    _last_full_log = float("-inf")

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        # `_connections` is tornado's own set of open HTTP connections (stable since 4.x).
        if len(self._connections) >= self.max_connections:
            now = time.monotonic()
            if now - self._last_full_log >= 60:  # once a minute: a flood must not flood the log
                log.warning("webhook connection limit reached: closing new connections")
                self._last_full_log = now
            stream.close()
            return
        super().handle_stream(stream, address)


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft open-file limit towards `wanted`; return the limit in force.

    systemd starts services with a soft limit of 1,024 (the hard one is usually
    524,288) and expects programs that need more to raise it themselves. The
    event loop uses epoll, which has no 1,024 ceiling.
    """
    if resource is None:
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def make_server(
    services: Services, application: Application, limits: WebhookLimits = WebhookLimits()
) -> HTTPServer:
    """The HTTP server with every limit applied (it is not listening yet)."""
    files = raise_open_file_limit(limits.max_connections + FD_RESERVE)
    max_connections = min(limits.max_connections, max(files - FD_RESERVE, 16))
    if max_connections < limits.max_connections:
        log.warning(
            "open-file limit is %d: webhook serves at most %d connections", files, max_connections
        )
    server = _CappedHTTPServer(
        make_app(services, application, limits),
        xheaders=True,
        idle_connection_timeout=limits.idle_timeout,
        body_timeout=limits.body_timeout,
        # Backstop for what no handler checks: a declared length beyond it is refused
        # by tornado itself (400) before reading.
        max_body_size=limits.max_body,
        max_header_size=MAX_HEADER_SIZE,
    )
    server.max_connections = max_connections
    return server


async def serve(
    services: Services,
    application: Application,
    stop: asyncio.Event,
    limits: WebhookLimits = WebhookLimits(),
) -> None:
    """Run until `stop` is set: register the webhook, serve, then shut down cleanly.

    The application's own hooks (post_init, post_stop, post_shutdown: see
    telegram_app.build_application) start and stop what runs beside it, in the
    order python-telegram-bot's run_webhook calls them, so this module needs
    nothing from the one that builds the application.
    """
    settings = services.settings
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    await application.bot.set_webhook(
        url=settings.webhook_url or "", secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
    await application.start()
    server = make_server(services, application, limits)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    log.info("webhook server listening on %s:%d", settings.webhook_listen, settings.webhook_port)
    try:
        await stop.wait()
    finally:
        server.stop()
        await application.stop()
        await after_stop(application)


async def after_stop(application: Application) -> None:
    """What follows a stopped application's stop(): post_stop, shutdown() and post_shutdown
    (python-telegram-bot's stop() and shutdown() call neither hook)."""
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
