"""Webhook mode: an HTTP server that receives Telegram's updates, plus /healthz and /metrics.

Each replica runs this server on its own port behind the public WEBHOOK_URL.
A request must carry Telegram's secret token header (WEBHOOK_SECRET) or it is
refused. The update is processed before answering 200, so if a replica dies
mid-update Telegram delivers it again, and the database's processed-update
record makes the second delivery harmless.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

import tornado.web
from sqlalchemy import func
from sqlmodel import select
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot import metrics
from bot.app import Services
from bot.storage.models import Delivery, Lead

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Base(tornado.web.RequestHandler):
    def initialize(self, services: Services, telegram_app: Application) -> None:  # type: ignore[override]
        self.services = services
        self.application_ = telegram_app

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[no-untyped-def]
        # Tornado would log the request body on errors: it may hold personal data.
        log.error("webhook handler failed: %s", typ.__name__ if typ else "?")


class UpdateHandler(_Base):
    async def post(self) -> None:
        secret = self.services.settings.webhook_secret
        given = self.request.headers.get(SECRET_HEADER, "")
        if secret is not None and not hmac.compare_digest(given, secret.get_secret_value()):
            log.warning("webhook request refused: missing or wrong secret token")
            self.set_status(403)
            self.finish({"ok": False})
            return
        try:
            data = json.loads(self.request.body or b"{}")
            update = Update.de_json(data, self.application_.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            self.finish({"ok": False})
            return
        await self.application_.process_update(update)
        self.finish({"ok": True})


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
            leads = dict(
                (await session.exec(select(Lead.status, func.count()).group_by(Lead.status))).all()
            )
            sends = dict(
                (
                    await session.exec(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    )
                ).all()
            )
        lines += metrics.gauge("mypebot_leads", "Leads stored, by status.", "status", leads)
        lines += metrics.gauge(
            "mypebot_broadcast_sends", "Broadcast deliveries, by outcome.", "outcome", sends
        )
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish("\n".join(lines) + "\n")


def webhook_path(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.startswith("/") else "/" + path


def make_app(services: Services, application: Application) -> tornado.web.Application:
    args = {"services": services, "telegram_app": application}
    path = webhook_path(services.settings.webhook_url or "/telegram")
    return tornado.web.Application(
        [
            (path, UpdateHandler, args),
            (r"/healthz", HealthHandler, args),
            (r"/metrics", MetricsHandler, args),
        ]
    )


async def serve(services: Services, application: Application, stop: asyncio.Event) -> None:
    """Run until `stop` is set: register the webhook, serve, then shut down cleanly."""
    settings = services.settings
    await application.initialize()
    from bot.adapters.telegram_app import register_commands, start_broadcasts, stop_broadcasts
    from bot.memory import freeze_long_lived

    await register_commands(application)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    await application.bot.set_webhook(
        url=settings.webhook_url or "", secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
    await application.start()
    await start_broadcasts(application)
    freeze_long_lived()
    server = HTTPServer(make_app(services, application), xheaders=True)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    log.info("webhook server listening on %s:%d", settings.webhook_listen, settings.webhook_port)
    try:
        await stop.wait()
    finally:
        server.stop()
        await stop_broadcasts(application)
        await application.stop()
        await application.shutdown()
