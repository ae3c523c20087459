"""The leads export: one lead per row, the columns staff follow up with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import IO, Any

from bot.exports.tables import Column, write_csv, write_xlsx
from bot.knowledge.loader import KnowledgeBase
from bot.storage.db import Database
from bot.storage.leads import LeadFilter, stream_lead_rows
from bot.validation import display_phone

# (stored column, how it is shown)
LAYOUT: Sequence[tuple[str, Column]] = (
    ("reference", Column("Código", 11, "plain")),
    ("created_at", Column("Fecha", 17, "date")),
    ("status", Column("Estado", 12, "plain")),
    ("contact_name", Column("Nombre", 22)),
    ("phone", Column("Celular", 15)),
    ("business_name", Column("Negocio", 26)),
    ("ruc", Column("RUC", 13, "plain")),
    ("region", Column("Región", 18, "plain")),
    ("sector", Column("Sector", 22, "plain")),
    ("topic_label", Column("Tema", 40)),
    ("cite_id", Column("CITE", 28, "plain")),
    ("source", Column("Origen", 16)),
    ("notes", Column("Notas", 30)),
    ("consent_at", Column("Consentimiento", 17, "date")),
    ("consent_version", Column("Versión consentimiento", 14, "plain")),
    ("anonymized", Column("Anonimizado", 12, "plain")),
)
STORED = [name for name, _ in LAYOUT]
COLUMNS = [column for _, column in LAYOUT]
HEADER = [column.header for column in COLUMNS]


def _names(kb: KnowledgeBase | None) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    if kb is None:
        return {}, {}, {}
    return (
        {k: v.name for k, v in kb.regions.items()},
        {k: v.name for k, v in kb.sectors.items()},
        {k: v.short_name for k, v in kb.cites.items()},
    )


async def _rows(
    db: Database, filters: LeadFilter, kb: KnowledgeBase | None
) -> AsyncIterator[list[Any]]:
    regions, sectors, cites = _names(kb)
    index = {name: i for i, name in enumerate(STORED)}
    phone, region, sector, cite, anonymized = (
        index["phone"],
        index["region"],
        index["sector"],
        index["cite_id"],
        index["anonymized"],
    )
    async with db.session() as session:
        async for stored in stream_lead_rows(session, filters, STORED):
            row = list(stored)
            row[phone] = display_phone(row[phone])
            row[region] = regions.get(row[region], row[region])
            row[sector] = sectors.get(row[sector], row[sector])
            row[cite] = cites.get(row[cite], row[cite])
            row[anonymized] = "sí" if row[anonymized] else "no"
            yield row


async def export_leads_csv(
    db: Database, out: IO[str], filters: LeadFilter, kb: KnowledgeBase | None = None
) -> int:
    return await write_csv(out, COLUMNS, _rows(db, filters, kb))


async def export_leads_xlsx(
    db: Database, target: Path | IO[bytes], filters: LeadFilter, kb: KnowledgeBase | None = None
) -> int:
    return await write_xlsx(target, "Interesados", COLUMNS, _rows(db, filters, kb))
