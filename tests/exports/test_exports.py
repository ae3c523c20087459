"""Exports open cleanly in Excel: BOM, real dates, styled header, no formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.core import Core
from bot.exports.cells import safe_text
from bot.exports.leads import export_leads_csv, export_leads_xlsx
from bot.exports.questions import export_questions_xlsx
from bot.storage.db import Database
from bot.storage.leads import LeadDraft, LeadFilter, save_lead
from bot.storage.models import QuestionLog, utcnow
from tests.kit import ROOT


async def add_lead(db: Database, user_id: int, **fields) -> None:
    values = {
        "topic_kind": "cite",
        "topic": "citeccal-arequipa",
        "topic_label": "CITEccal Arequipa",
        "phone": "+51987654321",
        "consent_at": utcnow(),
        "consent_version": "test",
        "region": "arequipa",
        "cite_id": "citeccal-arequipa",
    } | fields
    async with db.session() as session:
        await save_lead(session, LeadDraft(user_id=user_id, **values))
        await session.commit()


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tx"])
def test_formula_like_text_is_made_literal(dangerous: str) -> None:
    assert safe_text(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    "dangerous",
    [" =1+1", "\n=1+1", "\r\n+1", "\u3000@SUM(A1)", "\u200b-3", "＝1+1", "＋1", "－3", "＠SUM(A1)"],
)
def test_formula_behind_spaces_or_in_full_width_signs_is_made_literal(dangerous: str) -> None:
    assert safe_text(dangerous) == "'" + dangerous


@pytest.mark.parametrize("ordinary", ["Curtiembre Misti", " Curtiembre", "Año 2024", "(01) 456"])
def test_ordinary_text_is_unchanged(ordinary: str) -> None:
    assert safe_text(ordinary) == ordinary


async def test_csv_has_bom_header_and_one_lead_per_row(db: Database, core: Core) -> None:
    await add_lead(db, 1, business_name="=cmd|' /C calc'!A0")
    await add_lead(db, 2, topic="citemadera", cite_id="citemadera", region="lima-metropolitana")
    out = io.StringIO()
    assert await export_leads_csv(db, out, LeadFilter(), core.kb) == 2
    raw = out.getvalue()
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Código", "Fecha", "Estado"]
    assert len(rows) == 3
    assert rows[1][5].startswith("'=")
    assert rows[1][7] == "Arequipa"


async def test_xlsx_has_styled_frozen_filtered_header_and_real_dates(
    db: Database, core: Core, tmp_path: Path
) -> None:
    await add_lead(db, 1)
    path = tmp_path / "leads.xlsx"
    assert await export_leads_xlsx(db, path, LeadFilter(), core.kb) == 1
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P2"
    assert sheet["A1"].font.bold
    assert isinstance(sheet["B2"].value, dt.datetime)
    assert sheet.column_dimensions["J"].width >= 30


async def test_csv_neutralises_a_formula_hidden_behind_a_space_or_a_full_width_sign(
    db: Database, core: Core
) -> None:
    await add_lead(db, 1, business_name=' =HYPERLINK("http://x")', contact_name="＝1+1")
    out = io.StringIO()
    await export_leads_csv(db, out, LeadFilter(), core.kb)
    row = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))[1]
    assert (row[3], row[5]) == ("'＝1+1", '\' =HYPERLINK("http://x")')


async def test_xlsx_export_survives_a_control_character_in_a_business_name(
    db: Database, core: Core, tmp_path: Path
) -> None:
    await add_lead(db, 1, business_name="Curtiembre\x07 Misti", contact_name="Ana\x1b")
    path = tmp_path / "leads.xlsx"
    assert await export_leads_xlsx(db, path, LeadFilter(), core.kb) == 1
    row = next(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert (row[3], row[5]) == ("Ana", "Curtiembre Misti")


async def test_filters_select_leads(db: Database) -> None:
    await add_lead(db, 1)
    await add_lead(db, 2, region="cusco", topic="x")
    out = io.StringIO()
    assert await export_leads_csv(db, out, LeadFilter(region="cusco")) == 1
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert await export_leads_csv(db, io.StringIO(), LeadFilter(since=tomorrow)) == 0


async def test_questions_export_groups_repeated_unanswered_questions(
    db: Database, tmp_path: Path
) -> None:
    async with db.session() as session:
        for question in ("¿Cuánto está el dólar?", "cuanto esta el dolar", "que es un cite"):
            kind = "answer" if "cite" in question else "fallback"
            session.add(QuestionLog(user_id=1, question=question, kind=kind, score=0.1))
        await session.commit()
    path = tmp_path / "q.xlsx"
    assert await export_questions_xlsx(db, path) == 1
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][1] == 2


async def test_questions_xlsx_export_survives_a_control_character(
    db: Database, tmp_path: Path
) -> None:
    async with db.session() as session:
        session.add(QuestionLog(user_id=1, question="¿precio\x07 del dólar?", kind="fallback"))
        await session.commit()
    path = tmp_path / "q.xlsx"
    assert await export_questions_xlsx(db, path) == 1
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][0] == "¿precio del dólar?"


def test_cli_export_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.chdir(ROOT)
    from bot.storage.db import upgrade

    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    assert main(["export", "leads", "--format", "csv", "--output", str(tmp_path / "l.csv")]) == 0
    assert (tmp_path / "l.csv").read_text(encoding="utf-8").startswith("\ufeffCódigo")


def test_cli_export_refuses_an_outdated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.chdir(ROOT)
    assert main(["export", "leads", "--output", str(tmp_path / "l.xlsx")]) == 2
    assert "mypebot db upgrade" in capsys.readouterr().err
