"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect_name: str, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT for this database."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)
