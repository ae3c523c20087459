"""Webhook mode: what the one-process webhook tests share with the two-replica ones."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from tests.kit import KNOWLEDGE

SECRET = "s3cr3t-token_for-tests"

#: A knowledge entry a curator adds while the bot runs (it must be reloaded, not restarted).
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_knowledge(folder: Path) -> Path:
    """A copy of the shipped knowledge base in ``folder``, for a test that edits it."""
    knowledge = folder / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    return knowledge
