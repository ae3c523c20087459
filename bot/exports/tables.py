"""Writing rows to CSV (UTF-8 with BOM, for Excel) and XLSX, streamed.

Both writers take an async iterator of rows and never hold the whole table:
the XLSX one uses openpyxl's write-only mode, which flushes rows as it goes.
Each column declares its kind once, so the per-cell work is only what that
column needs: formula neutralisation for free text, Lima time for dates, and
in XLSX the removal of characters XML cannot hold.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from bot.exports.cells import lima_text, lima_time, safe_text, xml_safe

# text: free text someone typed (neutralised); plain: values the bot controls; date; number
Kind = Literal["text", "plain", "date", "number"]
BATCH = 1000


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: Kind = "text"


def _csv_converter(kind: Kind) -> Callable[[Any], Any] | None:
    if kind == "text":
        return safe_text
    if kind == "date":
        return lima_text
    return None  # the csv module writes None as an empty field


def _xlsx_text(value: str | None) -> str | None:
    if not value:
        return None
    return safe_text(xml_safe(value)) or None


def _xlsx_plain(value: Any) -> Any:
    # Names from the knowledge base and stored values can hold a stray control character too.
    return xml_safe(value) if isinstance(value, str) else value


def _xlsx_converter(kind: Kind) -> Callable[[Any], Any] | None:
    if kind == "text":
        return _xlsx_text
    if kind == "plain":
        return _xlsx_plain
    if kind == "date":
        return lima_time  # a real datetime: Excel shows it as a date and can sort it
    return None


def _converting(
    rows: AsyncIterator[Sequence[Any]], converters: list[Callable[[Any], Any] | None]
) -> AsyncIterator[list[Any]]:
    """Apply each column's converter, touching only the columns that have one."""
    active = [(i, f) for i, f in enumerate(converters) if f is not None]

    async def converted() -> AsyncIterator[list[Any]]:
        async for row in rows:
            values = list(row)
            for index, convert in active:
                values[index] = convert(values[index])
            yield values

    return converted()


async def write_csv(
    out: IO[str], columns: Sequence[Column], rows: AsyncIterator[Sequence[Any]]
) -> int:
    out.write("\ufeff")  # BOM: Excel then reads UTF-8 accents correctly
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    count = 0
    batch: list[list[Any]] = []
    async for row in _converting(rows, [_csv_converter(c.kind) for c in columns]):
        batch.append(row)
        if len(batch) >= BATCH:
            writer.writerows(batch)
            count += len(batch)
            batch.clear()
    writer.writerows(batch)
    return count + len(batch)


async def write_xlsx(
    target: Path | IO[bytes],
    sheet_title: str,
    columns: Sequence[Column],
    rows: AsyncIterator[Sequence[Any]],
) -> int:
    # Imported here: a CSV export should not pay for loading openpyxl.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        cell.font = Font(bold=True, color="FFFFFF")
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    async for row in _converting(rows, [_xlsx_converter(c.kind) for c in columns]):
        sheet.append(row)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    workbook.save(target)
    return count
