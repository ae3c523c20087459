"""`mypebot chat`: the same conversation as in Telegram, in a terminal.

Buttons are shown as numbered choices; typing the number presses the button,
as it does in Telegram: the dialogue reads "2" against the latest keyboard.
Commands work as in Telegram (/start, /menu, /ayuda, /cancelar, ...). Input
can also be piped in, which is how a transcript is recorded.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from typing import TextIO

from bot import phrases
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Button, Event, Outcome, UserRef

TERMINAL_USER_ID = 1  # the local person at the keyboard
EXIT_WORDS = {"/salir", "exit", "quit"}  # "salir" alone is the bot's, as in Telegram


def parse_input(line: str, user: UserRef) -> Event:
    """Turn what was typed into the event the dialogue understands."""
    text = line.strip()
    if text.startswith("/") and len(text) > 1:
        command, _, payload = text[1:].partition(" ")
        return Event(user=user, kind="command", command=command.lower(), payload=payload.strip())
    return Event(user=user, kind="text", text=line)


def render(outcome: Outcome, width: int = 78) -> tuple[str, list[Button]]:
    """The outcome as terminal text, and the buttons in the order they are numbered."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in outcome.replies:
        if reply.notice and not reply.text:
            lines.append(f"  ({reply.notice})")
        for paragraph in reply.text.split("\n"):
            wrapped = textwrap.wrap(paragraph, width=width - 2) or [""]
            lines.extend("  " + w for w in wrapped)
        for row in reply.buttons:
            for button in row:
                buttons.append(button)
                lines.append(f"    [{len(buttons)}] {button.label}")
        if reply.request_contact:
            lines.append("    " + phrases.TERMINAL_TYPE_PHONE)
        if reply.document is not None:
            lines.append(f"    📎 {reply.document.filename} ({len(reply.document.content)} bytes)")
        lines.append("")
    return "\n".join(lines), buttons


async def chat(
    dialogue: Dialogue,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    explain: bool = False,
) -> None:
    """With `explain`, each reply is preceded by how the message was read and who answered."""
    user = UserRef(TERMINAL_USER_ID)
    interactive = stdin.isatty()
    stdout.write(phrases.TERMINAL_WELCOME + "\n\n")
    outcome = await dialogue.handle(Event(user=user, kind="command", command="start"))
    _show(outcome, stdout, explain)
    while True:
        if interactive:
            stdout.write("👤 ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip().lower() in EXIT_WORDS:
            stdout.write(phrases.GOODBYE + "\n")
            return
        if not interactive:
            stdout.write(f"👤 {line.rstrip()}\n")
        if not line.strip():
            continue
        outcome = await dialogue.handle(parse_input(line.rstrip("\n"), user))
        _show(outcome, stdout, explain)


def _show(outcome: Outcome, stdout: TextIO, explain: bool) -> None:
    if explain:
        stdout.write(outcome.explanation + "\n")
    text, _ = render(outcome)
    stdout.write("🤖\n" + text + "\n")
