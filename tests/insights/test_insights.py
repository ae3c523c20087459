"""Usage figures, the /estadisticas PNG and the `mypebot report` workbook, on fixture
data in a real database (both backends); `kb review` / `kb learn --write` in the terminal."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, PieChart

from bot.cli import main
from bot.core import Core, load_core
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import UserRef
from bot.insights.charts import render_png
from bot.insights.labels import namer
from bot.insights.report import write_report
from bot.knowledge.check import check_knowledge
from bot.storage.db import Database
from bot.storage.models import Feedback, Handoff, HandoffMessage, Lead, QuestionLog
from bot.storage.statistics import Statistics, build_statistics
from tests.kit import KNOWLEDGE
from tests.kit.dialogue import command, say

TODAY = dt.date(2026, 11, 30)
LIMA_NOON = dt.time(17, 0, tzinfo=dt.UTC)  # 12:00 in Lima


def at(days_ago: int, time: dt.time = LIMA_NOON) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), time)


async def seed(db: Database) -> None:
    """Three weeks of a small pilot: answers, suggestions, fallbacks, opinions, leads."""
    rows: list[object] = []
    for day in range(21):
        for user in range(1 + day % 4):
            uid = 100 + user
            rows.append(
                QuestionLog(
                    user_id=uid,
                    question="que es la economia circular",
                    kind="answer",
                    entry_id="def-economia-circular",
                    created_at=at(day),
                )
            )
            if user % 2:
                rows.append(
                    QuestionLog(
                        user_id=uid,
                        question="requisitos de proinnovate",
                        kind="answer",
                        entry_id="proinnovate-como-postular",
                        created_at=at(day),
                    )
                )
            if day % 3 == 0:
                rows.append(
                    QuestionLog(
                        user_id=uid,
                        question="bono para bodegueros",
                        kind="fallback",
                        created_at=at(day),
                    )
                )
            if day % 5 == 0:
                rows.append(
                    QuestionLog(
                        user_id=uid,
                        question="donde saco mi carnet",
                        kind="suggestions",
                        created_at=at(day),
                    )
                )
        rows.append(
            Feedback(
                user_id=100,
                entry_id="def-economia-circular",
                useful=day % 4 != 0,
                created_at=at(day),
            )
        )
    for n, (status, region) in enumerate(
        [
            ("nuevo", "arequipa"),
            ("nuevo", "lima-metropolitana"),
            ("contactado", "arequipa"),
            ("cerrado", None),
        ]
    ):
        rows.append(
            Lead(
                reference=f"L-{n}",
                user_id=200 + n,
                topic_kind="entry",
                topic="def-economia-circular",
                topic_label="EC",
                status=status,
                region=region,
                consent_at=at(n),
                consent_version="v1",
                created_at=at(n),
            )
        )
    rows.append(
        QuestionLog(
            user_id=999, question="hace mucho", kind="answer", entry_id="def-rep", created_at=at(60)
        )
    )
    rows.append(QuestionLog(user_id=999, question="hola", kind="greeting", created_at=at(1)))
    async with db.session() as session:
        session.add_all(rows)
        await session.commit()


async def stats_of(db: Database) -> Statistics:
    async with db.session() as session:
        return await build_statistics(session, TODAY - dt.timedelta(days=29), TODAY)


async def test_statistics_count_conversations_per_lima_day_over_thirty_days(db: Database) -> None:
    await seed(db)
    stats = await stats_of(db)
    assert len(stats.per_day) == 30
    assert stats.per_day[-1] == (TODAY, 1, 3)  # today: one person, three questions
    assert stats.per_day[-4][1] == 4  # four people three days ago
    assert stats.per_day[0][1:] == (0, 0)  # before the pilot, and the 60-day-old row left out


async def test_a_question_at_2330_in_lima_counts_for_that_lima_day(db: Database) -> None:
    late = dt.datetime.combine(TODAY, dt.time(4, 30, tzinfo=dt.UTC))  # 23:30 the day before
    async with db.session() as session:
        session.add(
            QuestionLog(user_id=1, question="x", kind="answer", entry_id="def-rep", created_at=late)
        )
        await session.commit()
    stats = await stats_of(db)
    assert stats.per_day[-2][1:] == (1, 1) and stats.per_day[-1][1:] == (0, 0)


async def test_statistics_share_top_entries_opinions_and_leads(db: Database) -> None:
    await seed(db)
    stats = await stats_of(db)
    assert stats.kinds == {"answered": 71, "suggested": 11, "declined": 18}
    assert stats.top_entries[0] == ("def-economia-circular", 51)
    assert stats.feedback == [("def-economia-circular", 15, 6)]
    assert dict(stats.leads_by_status) == {"nuevo": 2, "contactado": 1, "cerrado": 1}
    assert dict(stats.leads_by_region) == {"arequipa": 2, "lima-metropolitana": 1, "sin dato": 1}
    assert (stats.handoffs.count, stats.handoffs.median_first_response) == (0, None)


async def test_handoffs_count_with_the_median_wait_for_staffs_first_reply(db: Database) -> None:
    opened = dt.datetime.combine(TODAY, dt.time(15, 0, tzinfo=dt.UTC))
    async with db.session() as session:
        for n, wait in enumerate([4, 10, None]):  # minutes to the first reply; None: unanswered
            handoff = Handoff(user_id=300 + n, chat_id=-100, opened_at=opened)
            session.add(handoff)
            await session.flush()
            if wait is not None:
                for later in (wait, wait + 30):  # only the first reply counts
                    session.add(
                        HandoffMessage(
                            handoff_id=handoff.id,
                            user_id=300 + n,
                            direction="out",
                            created_at=opened + dt.timedelta(minutes=later),
                        )
                    )
        await session.commit()
    stats = await stats_of(db)
    assert stats.handoffs.count == 3
    assert stats.handoffs.median_first_response == dt.timedelta(minutes=7)


async def test_the_chart_is_one_png(db: Database, core: Core) -> None:
    await seed(db)
    png = render_png(await stats_of(db), namer(core.kb))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000


def test_the_chart_of_an_empty_period_still_renders() -> None:
    stats = Statistics(since=TODAY, until=TODAY, per_day=[(TODAY, 0, 0)])
    assert render_png(stats).startswith(b"\x89PNG")


async def test_the_workbook_has_the_figures_as_tables_with_native_charts(
    db: Database, core: Core
) -> None:
    await seed(db)
    buffer = io.BytesIO()
    write_report(await stats_of(db), buffer, namer(core.kb))
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == [
        "Resumen",
        "Por día",
        "Respuestas",
        "Entradas",
        "Opiniones",
        "Interesados por estado",
        "Interesados por región",
    ]
    kinds = {name: [type(c) for c in book[name]._charts] for name in book.sheetnames[1:]}
    assert kinds["Por día"] == [LineChart] and kinds["Respuestas"] == [PieChart]
    assert all(kinds[name] == [BarChart] for name in book.sheetnames[3:])
    assert book["Entradas"]["A2"].value == core.kb.entries["def-economia-circular"].title
    assert book["Entradas"]["B2"].value == 51
    assert book["Por día"].max_row == 31


async def test_estadisticas_sends_one_png_to_staff_only(db: Database, core: Core) -> None:
    dialogue = Dialogue(db, lambda: core, admin_ids=frozenset({9999}))
    await seed(db)
    [reply] = (await command(dialogue, "estadisticas", "", UserRef(9999))).replies
    assert isinstance(reply.photo, bytes) and reply.photo.startswith(b"\x89PNG")
    refused = await command(dialogue, "estadisticas", "", UserRef(100))
    assert refused.replies[0].photo is None


# -- the terminal ----------------------------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def run_cli(
    monkeypatch, database_url: str, knowledge: Path, argv: list[str], stdin: str = ""
) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def ask_in(database_url: str, core: Core, words: str, users: range) -> None:
    async def go() -> None:
        db = Database(database_url)
        dialogue = Dialogue(db, lambda: core)
        for uid in users:
            await say(dialogue, words, UserRef(uid, "Ana"))
        await db.dispose()

    asyncio.run(go())


def test_kb_review_then_learn_write_puts_the_wording_in_the_entry_and_kb_check_passes(
    monkeypatch, capsys, database_url: str, knowledge_copy: Path, core: Core
) -> None:
    wording = "subsidio para emprendedores jovenes"
    ask_in(database_url, core, wording, range(300, 303))
    ask_in(database_url, core, "bono para bodegueros", range(310, 312))
    assert run_cli(monkeypatch, database_url, knowledge_copy, ["kb", "review"], "1\ni\n") == 0
    shown = capsys.readouterr().out
    assert f"«{wording}»" in shown and "3 veces" in shown and "→ aprendida" in shown
    assert "→ ignorada" in shown

    assert run_cli(monkeypatch, database_url, knowledge_copy, ["kb", "learn", "--write"]) == 0
    entry = (knowledge_copy / "entries" / "proinnovate-no-reembolsable.md").read_text("utf-8")
    assert f'  - "{wording}"' in entry
    assert check_knowledge(knowledge_copy).ok
    assert (
        load_core(knowledge_copy).answers.reply(wording).entry_id == "proinnovate-no-reembolsable"
    )
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, knowledge_copy, ["kb", "learn", "--write"]) == 0
    assert "Nada que escribir" in capsys.readouterr().out  # written once


def test_kb_review_nueva_entrada_writes_a_draft_outside_the_loaded_entries(
    monkeypatch, capsys, database_url: str, knowledge_copy: Path, core: Core
) -> None:
    ask_in(database_url, core, "bono para bodegueros", range(320, 322))
    assert run_cli(monkeypatch, database_url, knowledge_copy, ["kb", "review"], "n\n") == 0
    [draft] = (knowledge_copy / "borradores").glob("*.md")
    assert '"bono para bodegueros"' in draft.read_text("utf-8")
    assert check_knowledge(knowledge_copy).ok


def test_report_writes_the_workbook(monkeypatch, capsys, database_url: str, tmp_path: Path) -> None:
    output = tmp_path / "informe.xlsx"
    argv = ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--output", str(output)]
    assert run_cli(monkeypatch, database_url, KNOWLEDGE, argv) == 0
    assert load_workbook(output)["Por día"].max_row == 31
