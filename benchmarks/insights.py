"""Clustering 100,000 stored questions and building the statistics, on PostgreSQL.

Usage: .venv/bin/python benchmarks/insights.py [--rows 100000] [--url postgresql+asyncpg://127.0.0.1:5432/test]

What it does:

1. Creates a throwaway PostgreSQL database next to --url, migrates it to head.
2. Inserts --rows question_log rows spread over the last 90 days (Lima hours),
   from ~2,000 users: 70 % answers (an entry's own paraphrases, some with a
   typo), 13 % "¿Quiso decir…?", 12 % fallback, 5 % greetings; the questions
   not understood come from 60 topics the shipped knowledge base does not
   cover, each in many wordings (word order, typos, a region, a number), so
   there are thousands of distinct wordings to cluster. Plus 6,000 opinions
   (a third 👎) and 3,000 leads.
3. Times, three runs each (best and worst printed; the first chart run pays
   matplotlib's import, as the first /estadisticas after a start does):
   - review queue: `review_queue` as /pendientes and `kb review` run it (the
     GROUP BY over the question log, excluding decided clusters, clustering,
     the 3 likely entries of each shown cluster, the upsert of the shown rows);
   - clustering alone: `cluster()` over the distinct wordings already read;
   - statistics: `build_statistics` for the last 30 days (as /estadisticas);
   - chart: `render_png` of those statistics;
   - digest: `digest_text` (last week's statistics + content health + clusters).
4. Peak memory: tracemalloc's peak of Python allocations during a fourth run
   of each phase (traced apart: tracing slows Python several times over), and
   the process's resident-set high-water mark (ru_maxrss) at the end.

Targets (a ministry's volume: PRODUCE's pilot expects hundreds to a few
thousand questions a day, so 100,000 rows is one to three months; a reviewer
waits for /pendientes in Telegram, where more than ~5 s feels broken):
review queue <= 5 s, statistics <= 2 s, chart <= 3 s, digest <= 6 s,
Python peak <= 150 MiB per phase, process RSS <= 400 MiB. The script exits
non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bot.core import load_core
from bot.insights.charts import render_png
from bot.insights.clustering import cluster
from bot.insights.digest import digest_text
from bot.insights.labels import namer
from bot.insights.review import review_queue
from bot.storage.db import Database, create_engine, upgrade
from bot.storage.models import Feedback, Lead, QuestionLog
from bot.storage.review import not_understood
from bot.storage.statistics import build_statistics

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"review queue": 5.0, "statistics": 2.0, "chart": 3.0, "digest": 6.0}
TARGET_PEAK_MIB = 150.0
TARGET_RSS_MIB = 400.0
CHUNK = 5_000

UNKNOWN_TOPICS = [
    "bono para bodegueros", "carnet de sanidad para mi restaurante", "registro de marca en indecopi",
    "licencia de funcionamiento municipal", "como saco mi ruc", "cuanto cuesta el registro sanitario digesa",
    "prestamo de mi caja municipal", "tarjeta de credito para mi negocio", "seguro de salud para mis trabajadores",
    "cts de mis empleados", "boletas electronicas sunat", "regimen mype tributario", "como exportar a chile",
    "ferias artesanales en cusco", "curso de marketing digital gratis", "como vender por facebook",
    "certificado de origen para exportar", "donde compro maquinas de coser", "proveedores de cuero en trujillo",
    "precio del cafe en la bolsa", "clima en puno mañana", "subsidio para jovenes emprendedores",
    "reactivacion de mi ruc suspendido", "multas de sunafil", "contrato de alquiler de local",
    "como formalizar mi taxi", "licencia de conducir", "becas para estudiar administracion",
    "bono familiar universal", "tramite de pasaporte", "programa juntos", "pension 65",
    "como patentar un invento", "fondos para mujeres emprendedoras", "ayuda para damnificados por huaico",
    "venta de terrenos agricolas", "alquiler de camiones", "como sacar licencia de arma",
    "trabajo en el ministerio", "convocatorias cas produce", "horario de atencion de produce",
    "direccion de la oficina de produce en arequipa", "telefono de sunat", "compra de dolares",
    "precio de la papa en el mercado", "como hacer compost en casa", "reciclaje de llantas en lima",
    "venta de botellas plasticas", "certificacion organica para cacao", "inspeccion de defensa civil",
    "planilla electronica", "afp o onp para mi negocio", "credito para comprar un local",
    "crowdfunding en peru", "como hacer un plan de negocios", "asesoria legal gratuita",
    "donde denuncio una estafa", "cooperativas de ahorro", "vender a supermercados", "tienda virtual gratis",
]  # fmt: skip
REGIONS = ["lima", "arequipa", "cusco", "puno", "piura", "junin", "loreto", "ica", "tacna", ""]
LEADINS = ["", "", "hola ", "buenas ", "quisiera saber ", "una consulta ", "disculpe "]
TAILS = ["", "", "?", " por favor", " porfa", " urgente", " 2026", " para mi negocio"]


def typo(rng: random.Random, words: str) -> str:
    if len(words) < 6 or rng.random() > 0.3:
        return words
    i = rng.randrange(1, len(words) - 1)
    return words[:i] + words[i + 1 :]


def wording(rng: random.Random, topic: str) -> str:
    region = rng.choice(REGIONS)
    words = topic.split()
    if rng.random() < 0.2:
        rng.shuffle(words)
    phrase = " ".join(words) + (f" en {region}" if region and rng.random() < 0.3 else "")
    return typo(rng, rng.choice(LEADINS) + phrase + rng.choice(TAILS))


def rows(count: int, now: dt.datetime, seed: int = 17):  # type: ignore[no-untyped-def]
    kb = load_core(ROOT / "knowledge").kb
    rng = random.Random(seed)
    entries = list(kb.entries.values())
    topics = [(t, 1.0 / (n + 1) ** 0.8) for n, t in enumerate(UNKNOWN_TOPICS)]  # a long tail
    names, weights = [t for t, _ in topics], [w for _, w in topics]
    questions, opinions = [], []
    for index in range(count):
        created = now - dt.timedelta(seconds=rng.randrange(90 * 86400))
        user = 7_000_000 + rng.randrange(2_000)
        roll = rng.random()
        if roll < 0.70:
            entry = rng.choice(entries)
            row = dict(
                question=typo(rng, rng.choice(entry.questions)),
                kind="answer",
                entry_id=entry.id,
                score=0.8,
            )
            if rng.random() < 0.09:
                opinions.append(
                    dict(
                        user_id=user,
                        entry_id=entry.id,
                        useful=rng.random() < 0.66,
                        created_at=created,
                    )
                )
        elif roll < 0.95:
            kind = "suggestions" if roll < 0.83 else "fallback"
            topic = rng.choices(names, weights)[0]
            row = dict(question=wording(rng, topic), kind=kind, entry_id=None, score=0.3)
        else:
            row = dict(
                question=rng.choice(["hola", "buenos dias", "gracias"]),
                kind="greeting",
                entry_id=None,
                score=None,
            )
        questions.append(dict(user_id=user, created_at=created, **row))
        del index
    leads = [
        dict(reference=f"B-{n:06d}", user_id=8_000_000 + n, topic_kind="entry", topic=rng.choice(entries).id,
             topic_label="x", status=rng.choice(["nuevo", "contactado", "en_proceso", "cerrado"]),
             region=rng.choice(list(kb.regions)), consent_at=now, consent_version="v1",
             created_at=now - dt.timedelta(seconds=rng.randrange(90 * 86400)), updated_at=now)
        for n in range(3_000)
    ]  # fmt: skip
    return questions, opinions[:6_000], leads


async def admin(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def load(db: Database, count: int, now: dt.datetime) -> None:
    questions, opinions, leads = rows(count, now)
    async with db.engine.begin() as conn:
        for table, data in ((QuestionLog, questions), (Feedback, opinions), (Lead, leads)):
            for start in range(0, len(data), CHUNK):
                await conn.execute(insert(table.__table__), data[start : start + CHUNK])  # type: ignore[attr-defined]
        await conn.execute(text("ANALYZE"))
    distinct = len({q["question"] for q in questions if q["kind"] in ("fallback", "suggestions")})
    print(f"loaded {len(questions):,} questions ({distinct:,} distinct wordings not understood), "
          f"{len(opinions):,} opinions, {len(leads):,} leads")  # fmt: skip


async def measure(name: str, work, runs: int = 3):  # type: ignore[no-untyped-def]
    """Best and worst of `runs` plain runs, then one more under tracemalloc for the peak
    (tracing slows Python several times over, so it never touches the timings)."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    await work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return name, min(times), max(times), peak, result


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="postgresql+asyncpg://127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"mypebot_bench_{uuid.uuid4().hex[:8]}"
    await admin(args.url, f'CREATE DATABASE "{name}"')
    url = args.url.rsplit("/", 1)[0] + "/" + name
    try:
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        core = load_core(ROOT / "knowledge")
        now = dt.datetime.now(dt.UTC)
        today = now.date()
        await load(db, args.rows, now)

        async def queue():  # type: ignore[no-untyped-def]
            async with db.session() as session:
                items = await review_queue(session, core, now=now)
                await session.rollback()  # every run clusters from scratch
                return items

        async with db.session() as session:
            asked = await not_understood(session, now - dt.timedelta(days=90))

        async def clustering():  # type: ignore[no-untyped-def]
            return cluster(asked)

        async def stats():  # type: ignore[no-untyped-def]
            async with db.session() as session:
                return await build_statistics(session, today - dt.timedelta(days=29), today)

        figures = await stats()

        async def chart():  # type: ignore[no-untyped-def]
            return render_png(figures, namer(core.kb))

        async def digest():  # type: ignore[no-untyped-def]
            async with db.session() as session:
                return await digest_text(session, core, today)

        results = [
            await measure("review queue", queue),
            await measure("clustering alone", clustering),
            await measure("statistics", stats),
            await measure("chart", chart),
            await measure("digest", digest),
        ]
        await db.dispose()
    finally:
        await admin(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    clusters = results[1][4]
    print(f"{len(asked):,} distinct wordings -> {len(clusters):,} clusters; largest: "
          + "; ".join(f"«{c.wording}» {c.count}" for c in clusters[:3]))  # fmt: skip
    ok = True
    for label, best, worst, peak, _ in results:
        target = TARGETS.get(label)
        verdict = (
            ""
            if target is None
            else ("OK" if worst <= target and peak <= TARGET_PEAK_MIB else "MISSED")
        )
        ok &= verdict != "MISSED"
        limit = f" (target <= {target:.0f} s, <= {TARGET_PEAK_MIB:.0f} MiB)" if target else ""
        print(f"{label:17s} best {best:6.2f} s · worst {worst:6.2f} s · Python peak {peak:6.1f} MiB{limit} {verdict}")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok &= rss <= TARGET_RSS_MIB
    print(
        f"process peak RSS {rss:.0f} MiB (target <= {TARGET_RSS_MIB:.0f} MiB) {'OK' if rss <= TARGET_RSS_MIB else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
