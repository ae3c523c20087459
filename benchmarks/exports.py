"""Exporting 100,000 leads to CSV and XLSX: wall time and peak memory of `mypebot export`.

Usage: .venv/bin/python benchmarks/exports.py [--rows 100000]

What it does, in order:

1. Creates a fresh SQLite database in a temporary folder and brings it to the
   head revision with `bot.storage.db.upgrade` (the CLI refuses a non-default
   database whose schema is not at head).
2. Inserts `--rows` realistic leads with SQLAlchemy core
   (`insert(Lead.__table__)`, executemany in chunks of 5,000, one transaction):
   regions, sectors, CITE ids and entry ids come from the shipped knowledge
   base; statuses follow a plausible follow-up funnel; about 1 % of business
   names start with "=" (and a few with "+", "-", "@") so the formula
   neutralisation of `bot.exports.cells.safe_text` is exercised on every run.
3. Runs `mypebot export leads --format csv|xlsx --output FILE`, each in a fresh
   child process (the console script next to `sys.executable`, cwd = the
   repository, DATABASE_URL = that file, KNOWLEDGE_DIR = ./knowledge). A first
   run against an empty copy of the schema gives the fixed cost (interpreter,
   imports, knowledge base, schema check) that every export pays.
4. Checks the files: the CSV starts with a UTF-8 BOM and has rows + 1 lines
   (and as many CSV records); the XLSX opens with openpyxl in read-only mode and
   has rows + 1 rows; in both, no "Negocio" cell starts with "=" and every
   planted formula appears neutralised with a leading quote.

How it measures:

- seconds: wall clock (`time.perf_counter`) from spawning the child to reaping
  it, so it includes start-up, the export itself and closing the file.
- peak RSS: `ru_maxrss` of the rusage that `os.wait4(pid, 0)` returns for that
  one child. On Linux the unit is KiB; it is the child's (and its reaped
  descendants', there are none) resident-set high-water mark, exact and with no
  sampling. Printed in MiB (KiB / 1024). Because each export is its own
  process, one export's memory never counts against the other.

Targets: CSV <= 3 s, XLSX <= 20 s, peak RSS <= 300 MiB (each export).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select

from bot.core import load_core
from bot.phrases import CONSENT_VERSION
from bot.storage.db import upgrade
from bot.storage.lead_statuses import LEAD_STATUSES
from bot.storage.models import Lead
from bot.validation import ruc_check_digit

ROOT = Path(__file__).resolve().parent.parent
MYPEBOT = Path(sys.executable).parent / "mypebot"
CHUNK = 5_000
TARGET_SECONDS = {"csv": 3.0, "xlsx": 20.0}
TARGET_RSS_MIB = 300.0

FIRST_NAMES = (
    "Ana", "Rosa", "María", "Luz", "Carmen", "Juana", "Elena", "Flor", "Gladys", "Yolanda",
    "José", "Luis", "Juan", "Carlos", "Jorge", "Víctor", "César", "Wilber", "Edwin", "Raúl",
    "Nelly", "Sonia", "Hilda", "Teófilo", "Quispe", "Ñusta", "Óscar", "Ángel", "Zenón", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Quispe", "Mamani", "Huamán", "Flores", "Condori", "Rojas", "Chávez", "Vargas", "Ramos",
    "Torres", "Sánchez", "Díaz", "Castillo", "Mendoza", "Gutiérrez", "Ccori", "Apaza", "Ticona",
    "Yupanqui", "Paredes", "Salazar", "Núñez", "Espinoza", "Villanueva", "Cárdenas",
)  # fmt: skip
BUSINESS_KINDS = (
    "Curtiembre", "Calzados", "Textiles", "Confecciones", "Maderas", "Muebles", "Agroindustrias",
    "Conservas", "Panadería", "Cafetalera", "Cacao", "Artesanías", "Tejidos de alpaca",
    "Pesquera", "Lácteos", "Reciclajes", "Metalmecánica", "Joyería", "Cerámicos", "Quinua",
)  # fmt: skip
BUSINESS_SUFFIXES = ("E.I.R.L.", "S.A.C.", "S.R.L.", "", "", "")
FORMULAS = (
    '=HYPERLINK("http://127.0.0.1/x","clic")',
    "=1+1",
    "=SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "+51 Exportaciones",
    "-Descuentos S.A.C.",
    "@Eco Moda",
)
SOURCES = (None, None, "qr-cite", "feria-arequipa", "web-produce", "facebook", "radio-puno")
NOTES = (
    None,
    None,
    None,
    "Llamar por la tarde.",
    "Pidió información de ProInnóvate; enviar bases del concurso.",
    "Interesado en el servicio de laboratorio; no contesta el celular.",
    'Dice: "ya postuló el año pasado", revisar expediente.',
)
# A plausible follow-up funnel: most leads are new or being worked on.
STATUS_WEIGHTS = {
    "nuevo": 45,
    "contactado": 25,
    "en_proceso": 15,
    "cerrado": 10,
    "descartado": 5,
}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def reference(index: int) -> str:
    """A unique, random-looking "L-XXXXXX": index times an odd number, modulo 32**6."""
    value = (index * 0x2545F491 + 12345) % 32**6
    chars = []
    for _ in range(6):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "L-" + "".join(chars)


def ruc(rng: random.Random) -> str:
    first = rng.choice(("10", "20")) + "".join(str(rng.randrange(10)) for _ in range(8))
    return first + str(ruc_check_digit(first))


def lead_rows(count: int, seed: int = 11) -> Iterator[dict[str, Any]]:
    """`count` leads as dicts of column values, deterministic for a seed."""
    kb = load_core(ROOT / "knowledge").kb
    rng = random.Random(seed)
    regions = list(kb.regions)
    sectors = list(kb.sectors)
    cites = list(kb.cites.values())
    entries = list(kb.entries.values())
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    assert set(statuses) == set(LEAD_STATUSES)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    span = 365 * 24 * 3600
    for index in range(count):
        created = start + dt.timedelta(seconds=span * index // max(count, 1))
        anonymized = rng.random() < 0.02
        kind = rng.choices(("entry", "cite", "question"), (50, 35, 15))[0]
        cite = rng.choice(cites)
        if kind == "cite":
            topic, label, cite_id = cite.id, cite.short_name, cite.id
            sector = rng.choice(cite.sectors) if cite.sectors else rng.choice(sectors)
            region = cite.region if cite.region in kb.regions else rng.choice(regions)
        elif kind == "entry":
            entry = rng.choice(entries)
            topic, label = entry.id, entry.title
            cite_id = cite.id if rng.random() < 0.3 else None
            sector, region = rng.choice(sectors), rng.choice(regions)
        else:
            topic = label = rng.choice(
                (
                    "¿Cómo reutilizo el agua de mi curtiembre?",
                    "asesoria",
                    "Quiero certificar mi cacao como orgánico",
                    "¿Hay fondos para comprar una secadora solar?",
                )
            )
            cite_id = None
            sector, region = rng.choice(sectors), rng.choice(regions)
        if anonymized:
            name = phone = business = ruc_value = notes = None
            user_id = None
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            phone = "+519" + "".join(str(rng.randrange(10)) for _ in range(8))
            if rng.random() < 0.012:
                business = rng.choice(FORMULAS)
            elif rng.random() < 0.15:
                business = None
            else:
                suffix = rng.choice(BUSINESS_SUFFIXES)
                business = f"{rng.choice(BUSINESS_KINDS)} {rng.choice(LAST_NAMES)} {suffix}"
                business = business.strip()
            ruc_value = ruc(rng) if rng.random() < 0.6 else None
            notes = rng.choice(NOTES)
            user_id = 5_000_000_000 + index  # one lead per user: the open-topic index holds
        yield {
            "reference": reference(index),
            "user_id": user_id,
            "contact_name": name,
            "phone": phone,
            "business_name": business,
            "ruc": ruc_value,
            "sector": sector,
            "region": region,
            "topic_kind": kind,
            "topic": topic[:300],
            "topic_label": label[:300],
            "cite_id": cite_id,
            "source": rng.choice(SOURCES),
            "status": rng.choices(statuses, weights)[0],
            "notes": notes,
            "consent_at": created,
            "consent_version": CONSENT_VERSION,
            "anonymized": anonymized,
            "created_at": created,
            "updated_at": created + dt.timedelta(days=rng.randrange(0, 30)),
        }


def fill(path: Path, rows: int) -> tuple[float, int]:
    """Insert the leads; returns (seconds, planted formula-like business names)."""
    engine = create_engine(f"sqlite:///{path}")
    planted = 0
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            chunk: list[dict[str, Any]] = []
            for row in lead_rows(rows):
                if (row["business_name"] or "").startswith(("=", "+", "-", "@")):
                    planted += 1
                chunk.append(row)
                if len(chunk) == CHUNK:
                    conn.execute(insert(Lead.__table__), chunk)  # type: ignore[arg-type]
                    chunk = []
            if chunk:
                conn.execute(insert(Lead.__table__), chunk)  # type: ignore[arg-type]
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(Lead.__table__)).scalar_one()  # type: ignore[arg-type]
        if stored != rows:
            raise SystemExit(f"expected {rows} leads in the database, found {stored}")
    finally:
        engine.dispose()
    return time.perf_counter() - started, planted


@dataclass
class Run:
    fmt: str
    command: list[str]
    seconds: float
    peak_rss_mib: float
    exit_code: int
    stdout: str
    stderr: str
    size_mib: float


def run_export(fmt: str, database: Path, output: Path) -> Run:
    """One `mypebot export leads` in a fresh child; peak RSS from os.wait4's rusage."""
    command = [str(MYPEBOT), "export", "leads", "--format", fmt, "--output", str(output)]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
    }
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().strip(), err.read().strip()
    size = output.stat().st_size / 2**20 if output.exists() else 0.0
    return Run(
        fmt, command, seconds, usage.ru_maxrss / 1024, child.returncode, stdout, stderr, size
    )


def check_csv(path: Path, rows: int, planted: int) -> list[str]:
    problems = []
    data = path.read_bytes()
    bom = "\ufeff".encode()
    if not data.startswith(bom):
        problems.append("CSV does not start with a UTF-8 BOM")
    body = data[len(bom) :] if data.startswith(bom) else data
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
    if lines != rows + 1:
        problems.append(f"CSV has {lines} lines after the BOM, expected {rows + 1}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    if len(records) != rows + 1:
        problems.append(f"CSV has {len(records)} records, expected {rows + 1}")
    column = records[0].index("Negocio") if records else 0
    names = [r[column] for r in records[1:]]
    problems += _check_names("CSV", names, planted)
    return problems


def check_xlsx(path: Path, rows: int, planted: int) -> list[str]:
    from openpyxl import load_workbook

    problems = []
    workbook = load_workbook(path, read_only=True)
    try:
        sheet = workbook.active
        assert sheet is not None
        count = 0
        column = 0
        names: list[str] = []
        for values in sheet.iter_rows(values_only=True):
            if count == 0:
                column = list(values).index("Negocio")
            else:
                names.append(str(values[column] or ""))
            count += 1
    finally:
        workbook.close()
    if count != rows + 1:
        problems.append(f"XLSX has {count} rows, expected {rows + 1}")
    problems += _check_names("XLSX", names, planted)
    return problems


def _check_names(what: str, names: list[str], planted: int) -> list[str]:
    problems = []
    live = sum(1 for n in names if n.startswith(("=", "+", "-", "@")))
    quoted = sum(1 for n in names if n.startswith(("'=", "'+", "'-", "'@")))
    if live:
        problems.append(f"{what}: {live} business names would be read as formulas")
    if quoted != planted:
        problems.append(f"{what}: {quoted} neutralised names, expected {planted}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="leads to insert and export")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if not MYPEBOT.exists():
        raise SystemExit(f"{MYPEBOT} not found: install the project (make test) first")

    with tempfile.TemporaryDirectory(prefix="mypebot-exports-") as tmp:
        folder = Path(tmp)
        empty, database = folder / "empty.sqlite3", folder / "leads.sqlite3"
        started = time.perf_counter()
        upgrade(f"sqlite+aiosqlite:///{empty}")
        upgrade(f"sqlite+aiosqlite:///{database}")
        migrated = time.perf_counter() - started
        seconds, planted = fill(database, args.rows)
        db_size = database.stat().st_size / 2**20
        print(
            f"Database: {args.rows:,} leads inserted in {seconds:.1f} s "
            f"({args.rows / seconds:,.0f} rows/s; schema upgrade {migrated:.1f} s for two files), "
            f"{db_size:.1f} MiB, {planted} formula-like business names planted"
        )

        baseline = run_export("csv", empty, folder / "empty.csv")
        runs = [
            run_export("csv", database, folder / "leads.csv"),
            run_export("xlsx", database, folder / "leads.xlsx"),
        ]
        failures = [r for r in [baseline, *runs] if r.exit_code != 0]
        for run in failures:
            print(f"FAILED ({run.exit_code}): {shlex.join(run.command)}\n{run.stderr}")
        if failures:
            raise SystemExit(1)

        print(
            f"Fixed cost of one `mypebot export` (0 rows: start-up, imports, KB, schema check): "
            f"{baseline.seconds:.2f} s, peak RSS {baseline.peak_rss_mib:.1f} MiB"
        )
        print()
        header = (
            f"{'format':<6} {'rows':>9} {'seconds':>8} {'target':>8} "
            f"{'peak RSS MiB':>13} {'target':>8} {'file MiB':>9}  verdict"
        )
        print(header)
        print("-" * len(header))
        missed = []
        for run in runs:
            time_ok = run.seconds <= TARGET_SECONDS[run.fmt]
            rss_ok = run.peak_rss_mib <= TARGET_RSS_MIB
            verdict = "ok" if time_ok and rss_ok else "MISSED"
            if not time_ok:
                missed.append(f"{run.fmt}: {run.seconds:.2f} s > {TARGET_SECONDS[run.fmt]:.0f} s")
            if not rss_ok:
                missed.append(
                    f"{run.fmt}: peak RSS {run.peak_rss_mib:.1f} MiB > {TARGET_RSS_MIB:.0f} MiB"
                )
            print(
                f"{run.fmt:<6} {args.rows:>9,} {run.seconds:>8.2f} "
                f"{'≤ ' + format(TARGET_SECONDS[run.fmt], '.0f') + ' s':>8} "
                f"{run.peak_rss_mib:>13.1f} {'≤ ' + format(TARGET_RSS_MIB, '.0f'):>8} "
                f"{run.size_mib:>9.1f}  {verdict}"
            )
        print()
        print("Benchmark:", shlex.join([sys.executable, *sys.argv]))
        print("Exports (each a fresh child; the temporary folder is deleted at the end):")
        for run in runs:
            env = f"DATABASE_URL=sqlite:///{database} KNOWLEDGE_DIR={ROOT / 'knowledge'}"
            print(f"  cd {ROOT} && {env} {shlex.join(run.command)}")
            print(f"    -> {run.stdout}")

        started = time.perf_counter()
        problems = check_csv(folder / "leads.csv", args.rows, planted)
        csv_check = time.perf_counter() - started
        started = time.perf_counter()
        problems += check_xlsx(folder / "leads.xlsx", args.rows, planted)
        xlsx_check = time.perf_counter() - started
        print()
        if problems:
            print("File checks FAILED:")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(
                f"File checks ok: CSV has a BOM and {args.rows + 1:,} lines/records "
                f"({csv_check:.1f} s); XLSX opens read-only with {args.rows + 1:,} rows "
                f"({xlsx_check:.1f} s); all {planted} formula-like names neutralised in both."
            )
        print("Targets:", "all met." if not missed else "MISSED — " + "; ".join(missed))
        if problems or missed:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
