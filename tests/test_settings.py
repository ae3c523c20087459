"""Settings: defaults work with nothing set, and each wrong value is named clearly."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bot.cli import main
from bot.config import DEFAULT_SQLITE_URL, SettingsError, load_settings

VALID_TOKEN = "123456789:" + "A" * 35


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BASE_URL",
        "TELEGRAM_BASE_FILE_URL",
        "DATABASE_URL",
        "KNOWLEDGE_DIR",
        "ADMIN_IDS",
        "STAFF_CHAT_ID",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_PORT",
        "BROADCAST_RATE",
        "QUIET_HOURS",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "knowledge").mkdir()
    monkeypatch.chdir(tmp_path)  # no stray .env is read


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_SQLITE_URL
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_base_file_url == "https://api.telegram.org/file/bot"
    assert settings.admin_ids == frozenset()
    assert settings.broadcast_rate == 25


def test_admin_ids_are_read_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "111, 222,333")
    assert load_settings().admin_ids == {111, 222, 333}


def test_plain_postgres_url_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db:5432/mypebot")
    assert load_settings().database_url == "postgresql+asyncpg://bot@db:5432/mypebot"


def test_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=42\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.admin_ids == {42}
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token-secret-value", "@BotFather"),
        ("TELEGRAM_BASE_URL", "ftp://x", "URL http"),
        ("TELEGRAM_BASE_FILE_URL", "localhost", "URL http"),
        ("DATABASE_URL", "mysql://root@db/x", "sqlite:///"),
        ("KNOWLEDGE_DIR", "/no/such/folder", "carpeta"),
        ("ADMIN_IDS", "12,ana", "separados por comas"),
        ("STAFF_CHAT_ID", "equipo", "id numérico"),
        ("WEBHOOK_URL", "bot.example.org", "https"),
        ("WEBHOOK_SECRET", "with spaces!", "256 caracteres"),
        ("WEBHOOK_PORT", "99999", "puerto"),
        ("BROADCAST_RATE", "45", "como máximo 30"),
        ("BROADCAST_RATE", "0", "mayor que 0"),
        ("QUIET_HOURS", "9pm-8am", "HH:MM-HH:MM"),
        ("LOG_LEVEL", "LOUD", "DEBUG, INFO"),
    ],
)
def test_wrong_value_names_the_variable_and_what_it_expects(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert name in message
    assert expected in message
    assert "\n" not in message


def test_error_message_never_contains_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "123:thisissecretbuttooshort"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", secret)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert secret not in str(excinfo.value)
    assert "thisissecret" not in str(excinfo.value)


def test_valid_token_is_kept_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", VALID_TOKEN)
    settings = load_settings()
    assert settings.token() == VALID_TOKEN
    assert VALID_TOKEN not in repr(settings)


def test_missing_token_explains_how_to_get_one() -> None:
    with pytest.raises(SettingsError, match="BotFather"):
        load_settings().token()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on this machine that is bound but not listening: a connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", ["run", "chat"])
def test_unreachable_database_is_named_with_the_password_masked(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    closed_port: int,
    command: str,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:s3cr3t@127.0.0.1:{closed_port}/mypebot")
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert "No se puede conectar con la base de datos de DATABASE_URL" in err
    assert f"postgresql+asyncpg://bot:***@127.0.0.1:{closed_port}/mypebot" in err
    assert "Revise que el servidor esté encendido" in err
    assert "s3cr3t" not in err
