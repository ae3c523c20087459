"""The leads export: one lead per row, the columns staff follow up with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import IO, Any

from bot.exports.tables import write_csv, write_xlsx
from bot.knowledge.loader import KnowledgeBase
from bot.storage.db import Database
from bot.storage.leads import LeadFilter, stream_leads
from bot.storage.models import Lead
from bot.validation import display_phone

COLUMNS: Sequence[tuple[str, int]] = (
    ("Código", 11),
    ("Fecha", 17),
    ("Estado", 12),
    ("Nombre", 22),
    ("Celular", 15),
    ("Negocio", 26),
    ("RUC", 13),
    ("Región", 18),
    ("Sector", 22),
    ("Tema", 40),
    ("CITE", 28),
    ("Origen", 16),
    ("Notas", 30),
    ("Consentimiento", 17),
    ("Versión consentimiento", 14),
    ("Anonimizado", 12),
)
HEADER = [name for name, _ in COLUMNS]
WIDTHS = [width for _, width in COLUMNS]


def lead_row(lead: Lead, kb: KnowledgeBase | None) -> list[Any]:
    def name(table: dict[str, Any], key: str | None) -> str | None:
        if kb is not None and key in table:
            return table[key].name
        return key

    cite = kb.cites[lead.cite_id].short_name if kb and lead.cite_id in kb.cites else lead.cite_id
    return [
        lead.reference,
        lead.created_at,
        lead.status,
        lead.contact_name,
        display_phone(lead.phone),
        lead.business_name,
        lead.ruc,
        name(kb.regions, lead.region) if kb else lead.region,
        name(kb.sectors, lead.sector) if kb else lead.sector,
        lead.topic_label,
        cite,
        lead.source,
        lead.notes,
        lead.consent_at,
        lead.consent_version,
        "sí" if lead.anonymized else "no",
    ]


async def _rows(
    db: Database, filters: LeadFilter, kb: KnowledgeBase | None
) -> AsyncIterator[list[Any]]:
    async with db.session() as session:
        async for lead in stream_leads(session, filters):
            yield lead_row(lead, kb)


async def export_leads_csv(
    db: Database, out: IO[str], filters: LeadFilter, kb: KnowledgeBase | None = None
) -> int:
    return await write_csv(out, HEADER, _rows(db, filters, kb))


async def export_leads_xlsx(
    db: Database, target: Path | IO[bytes], filters: LeadFilter, kb: KnowledgeBase | None = None
) -> int:
    return await write_xlsx(target, "Interesados", HEADER, WIDTHS, _rows(db, filters, kb))
