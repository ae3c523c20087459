"""Questions the bot could not answer well, grouped with counts, for curators."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from sqlmodel import col, select

from bot.exports.tables import Column, write_csv, write_xlsx
from bot.language.normalize import normalize
from bot.storage.db import Database
from bot.storage.models import QuestionLog

COLUMNS = [
    Column("Pregunta", 60),
    Column("Veces", 8, "number"),
    Column("Cómo se respondió", 20, "plain"),
    Column("Última vez", 17, "date"),
    Column("Mejor puntaje", 13, "number"),
]
KIND_LABEL = {"fallback": "sin respuesta", "suggestions": "con sugerencias"}


async def _grouped(db: Database) -> list[list[Any]]:
    groups: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    async with db.session() as session:
        query = (
            select(QuestionLog)
            .where(col(QuestionLog.kind).in_(tuple(KIND_LABEL)), col(QuestionLog.question) != "")
            .order_by(col(QuestionLog.id))
        )
        for row in (await session.exec(query)).all():
            key = normalize(row.question)
            counts[key] += 1
            group = groups.setdefault(
                key, {"text": row.question, "kinds": set(), "last": row.created_at, "score": 0.0}
            )
            group["kinds"].add(KIND_LABEL[row.kind])
            group["last"] = max(group["last"], row.created_at)
            group["score"] = max(group["score"], row.score or 0.0)
    return [
        [g["text"], counts[k], ", ".join(sorted(g["kinds"])), g["last"], round(g["score"], 2)]
        for k, g in sorted(groups.items(), key=lambda kv: -counts[kv[0]])
    ]


async def _aiter(rows: list[list[Any]]) -> AsyncIterator[list[Any]]:
    for row in rows:
        yield row


async def export_questions_csv(db: Database, out: IO[str]) -> int:
    return await write_csv(out, COLUMNS, _aiter(await _grouped(db)))


async def export_questions_xlsx(db: Database, target: Path | IO[bytes]) -> int:
    return await write_xlsx(target, "Preguntas", COLUMNS, _aiter(await _grouped(db)))
