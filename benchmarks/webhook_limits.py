"""Cost of two cheap attacks on a real webhook server: a huge unsigned body, and idle sockets.

Usage:
    .venv/bin/python benchmarks/webhook_limits.py [--body-mib 64] [--sockets 1100]
        [--nofile 1024] [--webhook-module PATH]

The server is a real webhook process: this script spawns itself with --serve,
and the child builds the bot as `mypebot run` does (`load_settings` from the
environment, `build_services`, `build_application`, the webhook module's
`serve`) on a fresh, migrated SQLite file, against a local Bot API emulator
(telegram_emulator/). Everything listens on, and is contacted at, 127.0.0.1.
The child starts with a soft open-file limit of --nofile (1,024 is what systemd
gives a service unless told otherwise), as the unit in deploy/ would start it.
--webhook-module loads another copy of bot/adapters/webhook.py in the child
(e.g. `git show HEAD~1:bot/adapters/webhook.py > /tmp/old_webhook.py`), to
measure the code before a change.

(a) Huge body without the secret. One connection sends POST /telegram with
    Content-Length: --body-mib MiB and no secret header, then the body in 1 MiB
    writes until it is all sent or the server closes the connection; then it
    reads the answer (30 s at most). Reported: the status line, the bytes the
    client managed to write (this includes what the kernel buffers on both
    sides, a few MiB), the time from connecting to the answer's first byte,
    and the server's VmRSS and VmHWM (peak RSS) from /proc/<pid>/status before
    and 0.5 s after.

(b) Idle sockets. --sockets connections are opened (2 s connect timeout each,
    20 s for all) and send nothing. While they are open, GET /healthz is asked
    with a 5 s timeout. Reported: the sockets opened, the /healthz outcome and
    latency, the server's CPU seconds during the phase (utime + stime from
    /proc/<pid>/stat; a server whose accept() fails with EMFILE spins), how many
    idle sockets the server itself closed within 15 s (epoll over the client
    sockets, waiting for EOF or reset), and /healthz again once the client has
    closed the rest. The server's log size (its stderr) is printed at the end.

Targets: (a) 403 before the body is read, RSS growth < 5 MiB; (b) /healthz 200
while the sockets are open, and every idle socket closed by the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "D" * 35
SECRET = "benchmark-secret"
MIB = 1024 * 1024
HOST = "127.0.0.1"


# --- the child: one webhook server process ---------------------------------------------------


def load_webhook(path: str | None) -> ModuleType:
    """The shipped webhook module, or another copy of it given as a file (for a before-figure)."""
    if path is None:
        import bot.adapters.webhook as webhook

        return webhook
    spec = importlib.util.spec_from_file_location("bot.adapters.webhook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bot.adapters.webhook"] = module
    spec.loader.exec_module(module)
    return module


async def serve_child(module_path: str | None) -> None:
    from bot.adapters.telegram_app import build_application
    from bot.app import build_services
    from bot.config import load_settings
    from bot.logs import configure_logging

    webhook = load_webhook(module_path)
    settings = load_settings()
    configure_logging(settings.log_level)
    services = await build_services(settings, migrate=False)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await webhook.serve(services, build_application(services), stop)
    finally:
        await services.db.dispose()


# --- the driver ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health(base: str, timeout: float = 5.0) -> str:
    start = time.perf_counter()
    try:
        status = httpx.get(base + "/healthz", timeout=timeout).status_code
        outcome = str(status)
    except httpx.HTTPError as exc:
        outcome = f"no answer ({type(exc).__name__})"
    return f"{outcome} in {(time.perf_counter() - start) * 1000:.0f} ms"


def huge_body(port: int, body_mib: int) -> None:
    before = proc_status(SERVER.pid)
    head = (
        f"POST /telegram HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {body_mib * MIB}\r\n\r\n"
    ).encode()
    piece = b" " * MIB
    sent = 0
    start = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=30) as sock:
        answer = b""
        try:
            sock.sendall(head)
            for _ in range(body_mib):  # bounded: at most the whole body
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass  # the server closed the connection: it stopped reading
        elapsed = 0.0
        with contextlib.suppress(OSError):
            # Until the answer's headers are in: a kept-alive connection is not closed after it.
            while b"\r\n\r\n" not in answer and len(answer) < 4096 and (chunk := sock.recv(4096)):
                answer += chunk
                elapsed = elapsed or time.perf_counter() - start
    time.sleep(0.5)
    after = proc_status(SERVER.pid)
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection closed)"
    print(f"(a) {body_mib} MiB body without the secret")
    print(f"    answer: {status} after {elapsed:.2f} s; client wrote {sent / MIB:.0f} MiB of body")
    print(
        f"    server RSS {before['VmRSS'] / 1024:.1f} -> {after['VmRSS'] / 1024:.1f} MiB "
        f"(+{(after['VmRSS'] - before['VmRSS']) / 1024:.1f}); peak RSS "
        f"{before['VmHWM'] / 1024:.1f} -> {after['VmHWM'] / 1024:.1f} MiB "
        f"(+{(after['VmHWM'] - before['VmHWM']) / 1024:.1f})"
    )


def idle_sockets(base: str, port: int, count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    cpu_before = cpu_seconds(SERVER.pid)
    sockets: list[socket.socket] = []
    failures = 0
    deadline = time.monotonic() + 20
    for _ in range(count):  # bounded in count and in time
        if time.monotonic() > deadline:
            break
        try:
            sockets.append(socket.create_connection((HOST, port), timeout=2))
        except OSError:
            failures += 1
    time.sleep(0.5)  # let the server accept what it can
    print(f"(b) {len(sockets)} idle sockets open ({failures} connects failed)")
    print(f"    /healthz while they are open: {health(base)}")
    selector = selectors.DefaultSelector()  # epoll: select() stops at 1,024 descriptors
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed: set[socket.socket] = set()
    start = time.monotonic()
    last_close = 0.0
    while len(closed) < len(sockets) and time.monotonic() - start < 15:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(1024)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed.add(sock)
                selector.unregister(sock)
                last_close = time.monotonic() - start
    cpu_after = cpu_seconds(SERVER.pid)
    when = f", the last after {last_close:.1f} s" if closed else ""
    print(f"    closed by the server within 15 s: {len(closed)} of {len(sockets)}{when}")
    print(f"    server CPU during the phase: {cpu_after - cpu_before:.1f} s")
    selector.close()
    for sock in sockets:
        sock.close()
    time.sleep(1)
    print(f"    /healthz after the client closed them: {health(base)}")


SERVER: subprocess.Popen[bytes]


def main() -> None:
    global SERVER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mib", type=int, default=64, help="size of the unsigned body")
    parser.add_argument("--sockets", type=int, default=1100, help="idle sockets to open")
    parser.add_argument("--nofile", type=int, default=1024, help="server's soft open-file limit")
    parser.add_argument("--webhook-module", help="another copy of bot/adapters/webhook.py")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_child(args.webhook_module))
        return
    if not 1 <= args.body_mib <= 1024 or not 1 <= args.sockets <= 20_000:
        parser.error("--body-mib must be 1..1024 and --sockets 1..20000")

    from bot.storage.db import upgrade
    from telegram_emulator import BotApiEmulator

    with tempfile.TemporaryDirectory() as tmp, BotApiEmulator(token=TOKEN) as emu:
        database = f"sqlite+aiosqlite:///{tmp}/mypebot.sqlite3"
        upgrade(database)
        port = free_port()
        base = f"http://{HOST}:{port}"
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": emu.base_url,
            "TELEGRAM_BASE_FILE_URL": emu.base_file_url,
            "DATABASE_URL": database,
            "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "WEBHOOK_URL": f"{base}/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_LISTEN": HOST,
            "QUIET_HOURS": "",
            "LOG_LEVEL": "WARNING",
        }
        nofile = args.nofile

        def limit_files() -> None:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(nofile, hard), hard))

        command = [sys.executable, __file__, "--serve"]
        if args.webhook_module:
            command += ["--webhook-module", args.webhook_module]
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            SERVER = subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=limit_files,
            )
            try:
                for _ in range(300):
                    if SERVER.poll() is not None:
                        sys.exit(f"server exited with {SERVER.returncode}:\n{log_path.read_text()}")
                    with contextlib.suppress(httpx.HTTPError):
                        if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                            break
                    time.sleep(0.1)
                else:
                    sys.exit("server did not become healthy in 30 s")
                module = args.webhook_module or "bot/adapters/webhook.py"
                print(f"webhook module: {module}; server soft open-file limit at start: {nofile}")
                huge_body(port, args.body_mib)
                idle_sockets(base, port, args.sockets)
            finally:
                SERVER.send_signal(signal.SIGTERM)
                try:
                    SERVER.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    SERVER.kill()
                    SERVER.wait()
        size = log_path.stat().st_size
        lines = log_path.read_bytes().count(b"\n")
        print(f"server log: {lines} lines, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
