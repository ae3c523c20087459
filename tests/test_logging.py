"""Logs never carry personal data or secrets, whoever writes the line."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.logs import configure_logging, redact
from bot.storage.db import Database
from bot.storage.models import User

TOKEN = "7012345678:AAH" + "x" * 32


@pytest.fixture
def captured() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    configure_logging("WARNING")


@pytest.mark.parametrize(
    "secret",
    [
        TOKEN,
        "987654321",
        "987 654 321",
        "+51 987 654 321",
        "+51987654321",
        "20131369477",
        "10254824220",
        "ana.quispe@gmail.com",
    ],
)
def test_personal_data_is_redacted_from_any_logger(captured: io.StringIO, secret: str) -> None:
    logging.getLogger("some.library").warning("payload=%s end", secret)
    line = captured.getvalue()
    assert secret not in line
    assert "payload=[" in line


def test_token_inside_a_request_url_is_redacted(captured: io.StringIO) -> None:
    logging.getLogger("httpx").warning(
        "HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN
    )
    assert TOKEN not in captured.getvalue()
    assert "/bot[token]/sendMessage" in captured.getvalue()


def test_each_event_is_one_line_even_with_a_traceback(captured: io.StringIO) -> None:
    try:
        raise ValueError("boom\nsecond line 987654321")
    except ValueError:
        logging.getLogger("bot").exception("failed")
    output = captured.getvalue()
    assert output.count("\n") == 1
    assert "987654321" not in output


def test_ordinary_numbers_survive_redaction() -> None:
    assert (
        redact("update 12345 took 250 ms, 2025 entries") == "update 12345 took 250 ms, 2025 entries"
    )


async def test_a_failing_statement_does_not_carry_the_values_it_was_given(db: Database) -> None:
    # The logging redaction cannot know a business name; the error must not contain it.
    async with db.session() as session:
        session.add(User(id=1, source="Curtiembre Misti"))
        await session.commit()
    with pytest.raises(IntegrityError) as failure:
        async with db.session() as session:
            session.add(User(id=1, source="Curtiembre Misti"))
            await session.commit()
    assert "Curtiembre Misti" not in str(failure.value)
