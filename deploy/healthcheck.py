"""HEALTHCHECK de la imagen: GET http://127.0.0.1:$WEBHOOK_PORT/healthz del propio bot.

/healthz responde 200 cuando la base de datos contesta y la base de conocimiento está
cargada, y 503 si no. Solo existe en modo webhook (con WEBHOOK_URL): en modo polling el bot
no abre ningún puerto, así que el chequeo se da por bueno mientras el proceso siga vivo.
Solo usa la biblioteca estándar (la imagen slim no trae curl).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    if not os.environ.get("WEBHOOK_URL", "").strip():
        print("modo polling: sin /healthz; el proceso está vivo")
        return 0
    port = os.environ.get("WEBHOOK_PORT", "").strip() or "8080"
    url = f"http://127.0.0.1:{port}/healthz"
    # Sin proxy: HTTP(S)_PROXY del entorno es para salir a Telegram, no para 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=4) as response:
            print(response.read(1000).decode("utf-8", "replace"))
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(f"{url}: HTTP {exc.code} {exc.read(1000).decode('utf-8', 'replace')}")
    except (OSError, ValueError) as exc:
        print(f"{url}: {type(exc).__name__}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
