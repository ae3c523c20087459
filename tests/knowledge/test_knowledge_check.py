"""`kb check`: every kind of problem is reported with the file and line to open."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge.check import check_knowledge
from tests.kit import FIXTURES

FIXTURE = FIXTURES / "kb"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _only(report, level: str = "error"):
    problems = [p for p in report.problems if p.level == level]
    assert len(problems) == 1, [str(p) for p in report.problems]
    return problems[0]


def test_clean_knowledge_base_loads_without_problems(kb: Path) -> None:
    report = check_knowledge(kb, today=TODAY)
    assert report.ok
    assert report.problems == []
    assert report.counts()["entries"] == 2
    assert report.result.kb.entries["proinnovate-que-es"].more == "Más detalle sobre los concursos."


def test_missing_field_names_the_field_and_file(kb: Path) -> None:
    _edit(kb / "entries" / "cite-que-es.md", "title: ¿Qué es un CITE?\n", "")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.file == "entries/cite-que-es.md"
    assert "title" in problem.message


def test_invalid_url_points_to_its_line(kb: Path) -> None:
    _edit(kb / "entries" / "cite-que-es.md", '"https://gestion.pe/', '"gestion.pe/')
    problem = _only(check_knowledge(kb, today=TODAY))
    assert (problem.file, problem.line) == ("entries/cite-que-es.md", 14)
    assert "https://" in problem.message


def test_bad_date_points_to_its_line(kb: Path) -> None:
    _edit(kb / "entries" / "proinnovate-que-es.md", "date: 2023-01-05", "date: 05/01/2023")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.line == 15
    assert "AAAA-MM-DD" in problem.message


def test_unreadable_front_matter_is_reported_with_its_line(kb: Path) -> None:
    _edit(kb / "entries" / "cite-que-es.md", "tags: [cite]", "tags: [cite")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.file == "entries/cite-que-es.md"
    assert problem.line is not None and problem.line >= 10


def test_file_without_front_matter_is_an_error(kb: Path) -> None:
    (kb / "entries" / "suelto.md").write_text("Solo texto, sin datos.\n", encoding="utf-8")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert (problem.file, problem.line) == ("entries/suelto.md", 1)


def test_duplicate_entry_id_names_both_files(kb: Path) -> None:
    shutil.copy(kb / "entries" / "cite-que-es.md", kb / "entries" / "copia.md")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert "cite-que-es" in problem.message
    assert "entries/cite-que-es.md" in problem.message or problem.file == "entries/cite-que-es.md"


def test_related_entry_that_does_not_exist(kb: Path) -> None:
    _edit(
        kb / "entries" / "cite-que-es.md", "related: [proinnovate-que-es]", "related: [no-existe]"
    )
    problem = _only(check_knowledge(kb, today=TODAY))
    assert "no-existe" in problem.message


def test_cite_with_unknown_sector_region_and_need(kb: Path) -> None:
    _edit(kb / "cites.yaml", "sectors: [cuero-calzado]", "sectors: [joyeria]")
    _edit(kb / "cites.yaml", "region: lima-metropolitana", "region: lima-centro")
    _edit(kb / "cites.yaml", "tags: [residuos]", "tags: [reciclaje]")
    report = check_knowledge(kb, today=TODAY)
    messages = " | ".join(p.message for p in report.problems)
    assert {p.file for p in report.problems} == {"cites.yaml"}
    assert all(p.line == 1 for p in report.problems)
    assert "joyeria" in messages and "lima-centro" in messages and "reciclaje" in messages


def test_missing_source_in_a_cite_points_to_the_field(kb: Path) -> None:
    text = (kb / "cites.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("  sources:")
    (kb / "cites.yaml").write_text(head + "  reviewed: 2026-11-01\n", encoding="utf-8")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.file == "cites.yaml"
    assert "sources" in problem.message


def test_missing_vocabulary_file_is_an_error(kb: Path) -> None:
    (kb / "regions.yaml").unlink()
    report = check_knowledge(kb, today=TODAY)
    assert any(p.file == "regions.yaml" and "falta" in p.message for p in report.problems)
    assert not report.ok


def _save_as_latin1(path: Path) -> None:
    """What a Windows editor does when told to save as "ANSI"."""
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


def test_entry_not_saved_in_utf8_names_the_file_and_its_line(kb: Path) -> None:
    _save_as_latin1(kb / "entries" / "cite-que-es.md")
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.file == "entries/cite-que-es.md" and problem.line == 3
    assert "no está guardado en UTF-8" in problem.message


def test_folder_where_an_entry_file_belongs_is_named(kb: Path) -> None:
    (kb / "entries" / "nueva-entrada.md").mkdir()
    problem = _only(check_knowledge(kb, today=TODAY))
    assert problem.file == "entries/nueva-entrada.md"
    assert "es una carpeta" in problem.message


@pytest.mark.parametrize("name", ["cites.yaml", "smalltalk.yaml"])
def test_data_file_not_in_utf8_or_a_folder_is_named(kb: Path, name: str) -> None:
    path = kb / name
    path.write_bytes(path.read_bytes() + "# revisión de marzo\n".encode("latin-1"))
    assert any(p.file == name and "UTF-8" in p.message for p in check_knowledge(kb).problems)
    path.unlink()
    path.mkdir()
    assert any(p.file == name and "carpeta" in p.message for p in check_knowledge(kb).problems)


def test_entry_saved_with_a_bom_loads(kb: Path) -> None:
    path = kb / "entries" / "cite-que-es.md"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-8-sig"))
    assert check_knowledge(kb, today=TODAY).problems == []


def test_kb_check_names_the_file_that_is_not_utf8(
    kb: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _save_as_latin1(kb / "entries" / "cite-que-es.md")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(kb))
    assert main(["kb", "check"]) == 1
    assert "ERROR entries/cite-que-es.md:3: el archivo no está guardado en UTF-8" in (
        capsys.readouterr().out
    )


def test_start_up_names_the_file_that_is_not_utf8(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _save_as_latin1(kb / "entries" / "cite-que-es.md")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(kb))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # the default SQLite file goes here
    assert main(["chat"]) == 1
    err = capsys.readouterr().err
    assert "entries/cite-que-es.md:3" in err and "UTF-8" in err
    assert "Algo salió mal" not in err


def test_review_older_than_a_year_is_a_warning(kb: Path) -> None:
    report = check_knowledge(kb, today=dt.date(2027, 12, 1))
    assert report.ok
    assert len([p for p in report.problems if "12 meses" in p.message]) == 3


def test_answer_longer_than_a_phone_screen_is_refused(kb: Path) -> None:
    _edit(kb / "entries" / "cite-que-es.md", "Un CITE es", "Un CITE es " + "muy " * 150)
    report = check_knowledge(kb, today=TODAY)
    assert not report.ok
    problem = _only(report, "error")
    assert "Ver más" in problem.message and problem.file == "entries/cite-que-es.md"


def test_paraphrases_too_close_to_another_entry_are_a_warning(kb: Path) -> None:
    _edit(
        kb / "entries" / "proinnovate-que-es.md", "  - fondos para innovar", "  - que es un cite?"
    )
    problem = _only(check_knowledge(kb, today=TODAY), "warning")
    assert problem.file == "entries/cite-que-es.md" and problem.line == 5
    assert "proinnovate-que-es.md" in problem.message


def test_json_output_has_the_counts_and_the_problems(
    kb: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(kb / "entries" / "cite-que-es.md", "related: [proinnovate-que-es]", "related: [otra]")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(kb))
    assert main(["kb", "check", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["entries"] == 2 and data["cites"] == 1 and data["regions"] == 2
    assert data["errors"] == 1 and data["error_list"][0]["file"] == "entries/cite-que-es.md"


def test_an_id_too_long_for_a_button_is_an_error(kb: Path) -> None:
    _edit(kb / "sectors.yaml", "id: cuero-calzado", "id: cuero-calzado-y-marroquineria")
    report = check_knowledge(kb, today=TODAY)
    [problem] = [p for p in report.problems if p.file == "sectors.yaml"]
    assert problem.line == 1 and "demasiado largo" in problem.message
    assert not report.ok
