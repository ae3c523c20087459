"""The HTTP server: serving the Bot API on 127.0.0.1 in background threads, reading each
request, dispatching it to its method with the lock held, and recording the call.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram_emulator.faults import BLOCKABLE_METHODS, BLOCKED, MESSAGE_METHODS
from telegram_emulator.params import decode_params, parse_multipart
from telegram_emulator.protocol import ApiCall, ApiError, DropConnection, UploadedFile, bad
from telegram_emulator.state import EmulatorState


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: HttpMixin


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    timeout = 300

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: without TCP_NODELAY, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track_connection(self.connection, add=False)

    def do_GET(self) -> None:
        self.server.emulator._handle_http(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpMixin(EmulatorState):
    """Serving: start/stop, the URLs to give python-telegram-bot, and request handling."""

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("BotApiEmulator already started")
        self._stopping = False
        server = Server(("127.0.0.1", 0), Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"BotApiEmulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: long polls return, open connections are closed."""
        server = self._server
        if server is None:
            return
        with self._lock:
            self._stopping = True
            self._notify()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("BotApiEmulator not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    @staticmethod
    def _read_body(handler: Handler) -> bytes:
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    @staticmethod
    def _respond(
        handler: Handler,
        status: int,
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        try:
            handler.log_request(status)
            phrase = handler.responses.get(status, ("",))[0]
            head = (
                f"HTTP/1.1 {status} {phrase}\r\n"
                f"Server: BotApiEmulator\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n"
                + ("Connection: close\r\n" if handler.close_connection else "")
                + "\r\n"
            )
            handler.wfile.write(head.encode("latin-1") + body)  # one write, one packet
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _respond_json(self, handler: Handler, status: int, payload: dict[str, Any]) -> None:
        self._respond(handler, status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _handle_http(self, handler: Handler) -> None:
        started = time.time()
        try:
            body = self._read_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        url = urlsplit(handler.path)
        path = unquote(url.path)
        if path.startswith("/file/bot"):
            self._serve_file(handler, path[len("/file/bot") :])
            return
        if not path.startswith("/bot"):
            self._respond_json(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        token, _, method = path[len("/bot") :].partition("/")
        method = method.strip("/")
        try:
            raw: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
            files: dict[str, UploadedFile] = {}
            content_type = handler.headers.get("Content-Type", "")
            lowered = content_type.lower()
            if body and lowered.startswith("multipart/form-data"):
                fields, files = parse_multipart(body, content_type)
                raw.update(fields)
            elif body and lowered.startswith("application/json"):
                loaded = json.loads(body.decode("utf-8"))
                if not isinstance(loaded, dict):
                    raise bad("can't parse JSON object")
                raw.update(loaded)
            elif body:
                raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            params = decode_params(raw)
            parse_error = None
        except (ValueError, ApiError) as exc:
            params, files = {}, {}
            parse_error = exc if isinstance(exc, ApiError) else bad(f"can't parse request: {exc}")
        status, payload = self._process(token, method, params, files, started, parse_error)
        if payload is None:  # injected connection drop
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._respond_json(handler, status, payload)

    def _process(
        self,
        token: str,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        started: float,
        parse_error: ApiError | None,
    ) -> tuple[int, dict[str, Any] | None]:
        method = self._canonical.get(method_name.lower(), method_name)
        polling = method == "getUpdates"
        with self._lock:
            self._last_activity = time.monotonic()
            if not polling:
                self._inflight += 1
            status = 200
            payload: dict[str, Any] | None
            try:
                result = self._dispatch(token, method, params, files, parse_error)
                payload = {"ok": True, "result": result}
            except DropConnection:
                status, payload = 0, None
            except ApiError as exc:
                status, payload = exc.code, exc.payload()
            except Exception as exc:  # an emulator bug: answer 500 and keep it visible
                import traceback

                self._internal_errors.append(
                    f"{method} {params!r}: {exc!r}\n{traceback.format_exc()}"
                )
                status = 500
                payload = {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: emulator bug: {exc!r}",
                }
            finally:
                if not polling:
                    self._inflight -= 1
            self._last_call_seq += 1
            call = ApiCall(
                seq=self._last_call_seq,
                method=method,
                params=params,
                time=started,
                files=files,
                status=status,
                response=payload,
                duration=time.time() - started,
            )
            self._calls.append(call)
            stats = self._stats
            stats["calls"] += 1
            stats[method] += 1
            outcome = "dropped" if payload is None else str(status)
            stats[outcome] += 1
            stats[f"{method}:{outcome}"] += 1
            stats["ok" if status == 200 else "error"] += 1
            self._last_activity = time.monotonic()
            self._notify()
            return status, payload

    def _dispatch(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        parse_error: ApiError | None,
    ) -> Any:
        """Run one API method with the lock held; raises ApiError on failures."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if not method:
            raise ApiError(404, "Not Found")
        if parse_error is not None:
            raise parse_error
        self._apply_faults(method, params)
        handler = self._methods.get(method)
        if handler is None:
            self._unknown_methods.append(method)
            raise ApiError(404, "Not Found: method not found")
        if method in BLOCKABLE_METHODS and self._chat_id_of(params) in self.blocked_chats:
            raise ApiError(403, BLOCKED)
        if method in MESSAGE_METHODS:
            self._check_flood(params)
        result = handler(params, files)
        if method in MESSAGE_METHODS:
            self._count_send(params)
        return result
