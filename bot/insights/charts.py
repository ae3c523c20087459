"""The /estadisticas picture: one PNG with every usage figure, drawn headless (Agg)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.storage.statistics import Statistics

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SHARE_LABELS = {
    "answered": "Respondidas",
    "suggested": "Con sugerencias",
    "declined": "Sin respuesta",
}
SHARE_COLOURS = {"answered": "#2e7d32", "suggested": "#f9a825", "declined": "#c62828"}


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minutes(stats: Statistics) -> str:
    median = stats.handoffs.median_first_response
    return "—" if median is None else f"{median.total_seconds() / 60:.0f} min"


def render_png(stats: Statistics, label: Callable[[str], str] = str) -> bytes:
    """The figures as a PNG; `label` turns an entry or region id into its name."""
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display: the bot runs on servers
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(12, 13), dpi=90, layout="constrained")
    figure.suptitle(
        f"Uso del bot, {stats.since:%d/%m/%Y} – {stats.until:%d/%m/%Y} · "
        f"derivaciones a una persona: {stats.handoffs.count} "
        f"(mediana de primera respuesta: {_minutes(stats)})",
        fontsize=13,
    )
    grid = figure.subplots(3, 2)

    days = grid[0][0]
    dates = [d for d, _, _ in stats.per_day]
    days.plot(dates, [c for _, c, _ in stats.per_day], marker="o", label="Conversaciones")
    days.plot(dates, [q for _, _, q in stats.per_day], linestyle="--", label="Preguntas")
    days.set_title("Conversaciones por día")
    days.legend(loc="upper left")
    days.yaxis.set_major_locator(MaxNLocator(integer=True))
    days.tick_params(axis="x", labelrotation=45, labelsize=8)
    days.xaxis.set_major_formatter(DateFormatter("%d/%m"))

    share = grid[0][1]
    kinds = [(k, v) for k, v in stats.kinds.items() if v]
    if kinds:
        share.pie(
            [v for _, v in kinds],
            colors=[SHARE_COLOURS[k] for k, _ in kinds],
            autopct="%1.0f%%",
            textprops={"color": "white", "fontsize": 11},
        )
        share.legend([f"{SHARE_LABELS[k]} ({v})" for k, v in kinds], loc="upper left", fontsize=9)
    else:
        share.text(0.5, 0.5, "Sin preguntas", ha="center")
        share.axis("off")
    share.set_title("Cómo se respondieron las preguntas")

    def bars(axis: Axes, rows: list[tuple[str, int]], title: str, colour: str) -> None:
        names = [_short(n) for n, _ in rows][::-1]
        axis.barh(names, [v for _, v in rows][::-1], color=colour)
        axis.set_title(title)
        axis.tick_params(axis="y", labelsize=8)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts, never 0.5
        if not rows:
            axis.text(0.5, 0.5, "Sin datos", ha="center", transform=axis.transAxes)

    bars(
        grid[1][0],
        [(label(e), n) for e, n in stats.top_entries],
        "Entradas más mostradas",
        "#1565c0",
    )

    votes = grid[1][1]
    names = [_short(label(e)) for e, _, _ in stats.feedback][::-1]
    ups = [u for _, u, _ in stats.feedback][::-1]
    downs = [d for _, _, d in stats.feedback][::-1]
    votes.barh(names, ups, color="#2e7d32", label="Útil")
    votes.barh(names, downs, left=ups, color="#c62828", label="No útil")
    votes.set_title("Opiniones por entrada (útil / no útil)")
    votes.tick_params(axis="y", labelsize=8)
    votes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if stats.feedback:
        votes.legend(loc="lower right")
    else:
        votes.text(0.5, 0.5, "Sin datos", ha="center", transform=votes.transAxes)

    bars(grid[2][0], stats.leads_by_status, "Interesados por estado", "#6a1b9a")
    bars(
        grid[2][1],
        [(label(r), n) for r, n in stats.leads_by_region],
        "Interesados por región",
        "#00838f",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
