"""Settings: read once from the environment (and an optional .env file).

Everything configurable lives in one `Settings` object built by
`load_settings()`, and is passed down from the composition root. A wrong value
stops the program at start with one line naming the variable and what it
expects, in words a deployer understands: never a traceback, never a secret.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.office_hours import OfficeHours, parse_office_hours

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./data/mypebot.sqlite3"
TOKEN_PATTERN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,64}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# What each variable expects, shown when its value is wrong.
EXPECTED: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "el token que entrega @BotFather (números, dos puntos y letras)",
    "TELEGRAM_BASE_URL": "una URL http(s), p. ej. https://api.telegram.org/bot",
    "TELEGRAM_BASE_FILE_URL": "una URL http(s), p. ej. https://api.telegram.org/file/bot",
    "DATABASE_URL": "una URL sqlite:///ruta.sqlite3 o postgresql://usuario@host/base",
    "KNOWLEDGE_DIR": "la carpeta de la base de conocimiento (p. ej. ./knowledge)",
    "ADMIN_IDS": "ids numéricos de Telegram separados por comas (p. ej. 12345,67890)",
    "STAFF_CHAT_ID": "el id numérico del chat del equipo (p. ej. -1001234567890)",
    "WEBHOOK_URL": "una URL https pública, p. ej. https://bot.ejemplo.gob.pe/telegram",
    "WEBHOOK_SECRET": "de 1 a 256 caracteres: letras, números, _ o -",
    "WEBHOOK_LISTEN": "una dirección IP para escuchar, p. ej. 0.0.0.0",
    "WEBHOOK_PORT": "un puerto entre 1 y 65535",
    "BROADCAST_RATE": "mensajes por segundo: un número mayor que 0 y como máximo 30",
    "QUIET_HOURS": "un rango HH:MM-HH:MM en hora de Lima (p. ej. 21:00-08:00) o vacío",
    "LOG_LEVEL": "DEBUG, INFO, WARNING o ERROR",
    "RETENTION_MONTHS": "un número entero de meses entre 1 y 120 (p. ej. 12)",
    "OFFICE_HOURS": "días y horas de atención en hora de Lima (p. ej. lun-vie 08:30-17:30) o vacío",
    "HANDOFF_REMINDER_MINUTES": "minutos sin respuesta del equipo antes de recordarlo (1 a 1440)",
}


class SettingsError(Exception):
    """A setting has a wrong value; the message is safe to print as is."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = DEFAULT_SQLITE_URL
    knowledge_dir: Path = Path("knowledge")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    staff_chat_id: int | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    quiet_hours: Annotated[tuple[dt.time, dt.time] | None, NoDecode] = (
        dt.time(21, 0),
        dt.time(8, 0),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Questions and conversation logs older than this are unlinked from the person
    # and stripped of their text (storage/retention.py).
    retention_months: int = Field(default=12, ge=1, le=120)
    # When a person answers a handoff (Lima time); None: any time.
    office_hours: Annotated[OfficeHours | None, NoDecode] = OfficeHours(
        frozenset(range(5)), dt.time(8, 30), dt.time(17, 30)
    )
    # An open handoff no one in the team answered gets one reminder after this.
    handoff_reminder_minutes: int = Field(default=15, ge=1, le=1440)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not TOKEN_PATTERN.match(str(value).strip()):
            raise ValueError("bad token")
        return str(value).strip()

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("bad url")
        return value.rstrip("/") if value.endswith("//") else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("knowledge_dir")
    @classmethod
    def _knowledge_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("not a folder")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("not ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not re.match(r"^https?://[^\s/]+", str(value)):
            raise ValueError("bad url")
        return str(value)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not SECRET_PATTERN.match(str(value)):
            raise ValueError("bad secret")
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: Any) -> Any:
        if value is None or isinstance(value, tuple):
            return value
        text = str(value).strip()
        if text == "" or text.lower() in {"none", "no", "off"}:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
        if not match:
            raise ValueError("bad range")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return (dt.time(h1, m1), dt.time(h2, m2))

    @field_validator("office_hours", mode="before")
    @classmethod
    def _office_hours(cls, value: Any) -> Any:
        if value is None or isinstance(value, OfficeHours):
            return value
        return parse_office_hours(str(value))

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return str(value).upper() if isinstance(value, str) else value

    @property
    def is_default_sqlite(self) -> bool:
        return self.database_url == DEFAULT_SQLITE_URL

    def token(self) -> str:
        """The bot token; only the Telegram adapter should call this."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "Falta TELEGRAM_BOT_TOKEN: pida uno a @BotFather y póngalo en el entorno "
                "o en el archivo .env (sin token puede probar el bot con `mypebot chat`)."
            )
        return self.telegram_bot_token.get_secret_value()


def normalise_database_url(value: str) -> str:
    """Accept the URLs people copy from docs and give SQLAlchemy the async driver."""
    value = value.strip()
    for prefix, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if value.startswith(prefix):
            return driver + value[len(prefix) :]
    if value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return value
    raise ValueError("unsupported database url")


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        names = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = field.upper()
            if name not in names:
                names.append(name)
        details = "; ".join(f"{n} debe ser {EXPECTED.get(n, 'un valor válido')}" for n in names)
        raise SettingsError(f"Configuración inválida: {details}.") from None
