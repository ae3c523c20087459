"""`mypebot report`: the /estadisticas figures as tables, each with a native Excel chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from bot.insights.charts import SHARE_LABELS
from bot.storage.statistics import Statistics


def _table(
    workbook: Workbook, title: str, header: list[str], rows: list[list[object]]
) -> Worksheet:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 48
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16
    return sheet


def _bar(
    sheet: Worksheet, title: str, columns: int, horizontal: bool = True, stacked: bool = False
) -> None:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    rows = max(sheet.max_row, 2)
    chart.add_data(
        Reference(sheet, min_col=2, max_col=1 + columns, min_row=1, max_row=rows),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows))
    chart.height, chart.width = 9, 18
    sheet.add_chart(chart, "F2")


def write_report(
    stats: Statistics, output: Path | IO[bytes], label: Callable[[str], str] = str
) -> None:
    workbook = Workbook()
    summary = workbook.active
    assert isinstance(summary, Worksheet)  # a new workbook starts with one worksheet
    summary.title = "Resumen"
    summary.append(["Periodo", f"{stats.since:%d/%m/%Y} – {stats.until:%d/%m/%Y}"])
    summary.append(["Conversaciones (persona y día)", stats.conversations])
    summary.append(["Preguntas", stats.questions])
    for key, name in SHARE_LABELS.items():
        summary.append([f"Preguntas {name.lower()}", stats.kinds.get(key, 0)])
    summary.append(["Derivaciones a una persona", stats.handoffs.count])
    median = stats.handoffs.median_first_response
    summary.append(
        [
            "Mediana de primera respuesta (min)",
            round(median.total_seconds() / 60, 1) if median else None,
        ]
    )
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 28

    days = _table(
        workbook,
        "Por día",
        ["Día", "Conversaciones", "Preguntas"],
        [[d, c, q] for d, c, q in stats.per_day],
    )
    for cell in days["A"][1:]:
        cell.number_format = "DD/MM/YYYY"
    line = LineChart()
    line.title = "Conversaciones por día"
    line.add_data(
        Reference(days, min_col=2, max_col=3, min_row=1, max_row=max(days.max_row, 2)),
        titles_from_data=True,
    )
    line.set_categories(Reference(days, min_col=1, min_row=2, max_row=max(days.max_row, 2)))
    line.height, line.width = 9, 22
    days.add_chart(line, "E2")

    shares = _table(
        workbook,
        "Respuestas",
        ["Tipo", "Preguntas"],
        [[name, stats.kinds.get(key, 0)] for key, name in SHARE_LABELS.items()],
    )
    pie = PieChart()
    pie.title = "Respondidas / con sugerencias / sin respuesta"
    pie.add_data(Reference(shares, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    pie.set_categories(Reference(shares, min_col=1, min_row=2, max_row=4))
    shares.add_chart(pie, "E2")

    top = _table(
        workbook,
        "Entradas",
        ["Entrada", "Veces mostrada"],
        [[label(e), n] for e, n in stats.top_entries],
    )
    _bar(top, "Entradas más mostradas", 1)
    votes = _table(
        workbook,
        "Opiniones",
        ["Entrada", "Útil", "No útil"],
        [[label(e), u, d] for e, u, d in stats.feedback],
    )
    _bar(votes, "Opiniones por entrada", 2, stacked=True)
    status = _table(
        workbook,
        "Interesados por estado",
        ["Estado", "Interesados"],
        [list(r) for r in stats.leads_by_status],
    )
    _bar(status, "Interesados por estado", 1, horizontal=False)
    region = _table(
        workbook,
        "Interesados por región",
        ["Región", "Interesados"],
        [[label(r), n] for r, n in stats.leads_by_region],
    )
    _bar(region, "Interesados por región", 1)
    workbook.save(output)
