"""Webhooks: setWebhook/deleteWebhook/getWebhookInfo, and delivering updates by POSTing
them to a webhook on a loopback address (never anywhere else).
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import re
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from telegram_emulator.protocol import UploadedFile, bad
from telegram_emulator.state import EmulatorState

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class WebhookMixin(EmulatorState):
    """The webhook settings and delivery to them."""

    @property
    def webhook(self) -> dict[str, Any]:
        """The current webhook settings (url is "" when none)."""
        with self._lock:
            return dict(self._webhook)

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._webhook_deliveries)

    def deliver_to_webhook(
        self,
        url: str | None,
        update: dict[str, Any],
        secret_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST ``update`` as JSON to a loopback webhook URL; returns the HTTP status.

        ``url=None`` uses the webhook registered with setWebhook (and its secret
        token). Blocking: from a coroutine use ``adeliver_to_webhook`` instead,
        or the webhook server sharing the event loop cannot answer."""
        if url is None:
            with self._lock:
                url = self._webhook.get("url") or ""
                secret_token = secret_token or self._webhook.get("secret_token")
            if not url:
                raise RuntimeError("no webhook set; pass a url")
        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"refusing to contact non-loopback webhook {url!r}")
        if "update_id" not in update:
            with self._lock:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname,
                parts.port or 443,
                timeout=timeout,
                context=ssl._create_unverified_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port or 80, timeout=timeout
            )
        headers = {"Content-Type": "application/json"}
        if secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, json.dumps(update).encode("utf-8"), headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        finally:
            connection.close()
        with self._lock:
            self._webhook_deliveries.append(
                {"url": url, "update": copy.deepcopy(update), "status": status, "time": time.time()}
            )
            self._stats["webhook_deliveries"] += 1
            self._notify()
        return status

    async def adeliver_to_webhook(
        self,
        url: str | None,
        update: dict[str, Any],
        secret_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """``deliver_to_webhook`` from a coroutine (runs in a worker thread)."""
        return await asyncio.to_thread(self.deliver_to_webhook, url, update, secret_token, timeout)

    def _m_set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad("secret token contains unallowed characters")
        if url and not re.match(r"https?://", url):
            raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(a) for a in params["allowed_updates"]]
        self._webhook = {"url": url}
        if url:
            self._webhook.update(
                {
                    "secret_token": secret,
                    "max_connections": int(params.get("max_connections") or 40),
                    "ip_address": params.get("ip_address"),
                    "allowed_updates": params.get("allowed_updates"),
                }
            )
        self._poll_generation += 1  # a pending getUpdates now conflicts
        return True

    def _m_delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        return True

    def _m_get_webhook_info(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if info["url"]:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            for key in ("ip_address", "allowed_updates"):
                if self._webhook.get(key):
                    info[key] = self._webhook[key]
        return info
