"""Writing rows to CSV (UTF-8 with BOM, for Excel) and XLSX, streamed.

Both writers take an iterator of rows and never hold the whole table: the
XLSX one uses openpyxl's write-only mode, which flushes rows as it goes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.exports.cells import cell

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
DATE_FORMAT = "dd/mm/yyyy hh:mm"


async def write_csv(out: IO[str], header: Sequence[str], rows: AsyncIterator[Sequence[Any]]) -> int:
    out.write("\ufeff")  # BOM: Excel then reads UTF-8 accents correctly
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    async for row in rows:
        values = [cell(v) for v in row]
        writer.writerow(
            v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else v for v in values
        )
        count += 1
    return count


async def write_xlsx(
    target: Path | IO[bytes],
    sheet_title: str,
    header: Sequence[str],
    widths: Sequence[int],
    rows: AsyncIterator[Sequence[Any]],
) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header_cells = []
    for title in header:
        c = WriteOnlyCell(sheet, value=title)
        c.fill, c.font = HEADER_FILL, HEADER_FONT
        c.alignment = Alignment(vertical="center")
        header_cells.append(c)
    sheet.append(header_cells)
    count = 0
    async for row in rows:
        values = []
        for value in row:
            value = cell(value)
            if isinstance(value, dt.datetime):
                c = WriteOnlyCell(sheet, value=value)
                c.number_format = DATE_FORMAT
                values.append(c)
            else:
                values.append(value)
        sheet.append(values)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(target)
    return count
