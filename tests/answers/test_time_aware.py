"""Time-aware content: an expired entry is still served, flagged; closed programmes
are kept apart from live ones in the Financiamiento menu."""

from __future__ import annotations

import datetime as dt

from bot import phrases
from bot.answers.engine import render_entry
from bot.core import Core
from bot.dialogue import finance

YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def test_an_entry_past_expires_is_served_with_a_line_that_it_may_be_out_of_date(
    core: Core,
) -> None:
    entry = core.kb.entries["mype-uit-valor"].model_copy(update={"expires": YESTERDAY})
    shown = render_entry(entry)
    assert shown.startswith(entry.answer.strip())
    assert "puede estar desactualizada" in shown
    assert f"{YESTERDAY:%d/%m/%Y}" in shown and f"{entry.reviewed:%d/%m/%Y}" in shown


def test_an_entry_still_in_force_has_no_such_line(core: Core) -> None:
    entry = core.kb.entries["mype-uit-valor"].model_copy(
        update={"expires": dt.date.today() + dt.timedelta(days=30)}
    )
    assert "desactualizada" not in render_entry(entry)


def test_the_financiamiento_menu_lists_closed_programmes_after_the_live_ones(core: Core) -> None:
    reply = finance.menu(core.kb)
    labels = [row[0].label for row in reply.buttons[:-1]]
    closed = [label for label in labels if label.startswith(phrases.FINANCE_CLOSED_PREFIX)]
    assert any("FAE-Mype" in label for label in closed)
    assert any("Reactiva" in label for label in closed)
    assert labels[-len(closed) :] == closed  # all after the live ones
    assert "cerrados" in reply.text and reply.text.index("cerrados") > reply.text.index("servirle")


def test_a_programme_past_its_expires_date_counts_as_closed(core: Core) -> None:
    live = core.kb.entries["proinnovate-montos"]
    assert not finance.is_closed(live, dt.date.today())
    assert finance.is_closed(live.model_copy(update={"expires": YESTERDAY}), dt.date.today())
