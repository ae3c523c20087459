"""The broadcast commands' terminal side: the announcement files read in, the progress drawn.

Kept apart from `bot.cli.broadcast` (the commands) because it is the part
that knows about files, terminals and signals, not about campaigns.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from bot.broadcast.engine import Progress

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
PHOTO_MAX_BYTES = 10 * 1024 * 1024
FILE_ID = re.compile(r"[A-Za-z0-9_-]{20,256}")


# --- reading the announcement ----------------------------------------------------------------


def read_text(path: str) -> str:
    from bot.broadcast import phrases
    from bot.broadcast.control import BroadcastError

    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BroadcastError(phrases.TEXT_FILE_MISSING.format(path=path)) from None
    except UnicodeDecodeError:
        raise BroadcastError(phrases.TEXT_FILE_NOT_UTF8.format(path=path)) from None
    except OSError:
        raise BroadcastError(phrases.TEXT_FILE_MISSING.format(path=path)) from None
    if not text.strip():
        raise BroadcastError(phrases.TEXT_FILE_EMPTY.format(path=path))
    return text.strip()


def resolve_photo(value: str | None) -> str | None:
    """A local image becomes its absolute path; anything else must look like a file_id."""
    from bot.broadcast import phrases
    from bot.broadcast.control import BroadcastError

    if value is None or value == "":
        return None
    path = Path(value).expanduser()
    if path.is_file():
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            raise BroadcastError(phrases.PHOTO_NOT_IMAGE.format(path=value))
        if path.stat().st_size > PHOTO_MAX_BYTES:
            raise BroadcastError(phrases.PHOTO_TOO_BIG.format(path=value))
        resolved = str(path.resolve())
        if len(resolved) > 256:
            raise BroadcastError(phrases.PHOTO_PATH_TOO_LONG)
        return resolved
    if FILE_ID.fullmatch(value):
        return value
    raise BroadcastError(phrases.PHOTO_INVALID.format(photo=value))


# --- progress -----------------------------------------------------------------------------------


class ProgressBar:
    """Redraws one line on a terminal; writes a line per update elsewhere (logs, pipes)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.drawn = False

    def update(self, progress: Progress) -> None:
        from bot.broadcast import report

        line = report.progress_line(progress)
        if self.tty:
            self.stream.write("\r\033[K" + line)
            self.drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


@contextlib.contextmanager
def watched() -> Iterator[tuple[Callable[[Progress], None], asyncio.Event]]:
    """The bar on stderr, and Ctrl-C (or SIGTERM) setting the event that stops the engine."""
    bar = ProgressBar(sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows: Ctrl-C interrupts; resume marks the rest
            continue
        signals.append(signum)
    try:
        yield bar.update, stop
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        bar.finish()
