"""`mypebot kb review` and `mypebot kb learn`: turning what users asked into knowledge.

`review` walks the queue of questions the bot did not understand, one
decision per line read from standard input (so a session can be scripted);
`learn` writes the accepted wordings into the entry files. Registered by
`bot.cli.kb` under `kb`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from bot.cli import context

if TYPE_CHECKING:
    from pathlib import Path

    from bot.config import Settings
    from bot.core import Core
    from bot.insights.review import QueueItem
    from bot.knowledge.loader import KnowledgeBase
    from bot.storage.models import ReviewItem

REVIEW_HELP = "  1-3 = es esta entrada · n = nueva entrada · i = ignorar · s = saltar · q = salir"


def register(actions: Any) -> None:
    review = actions.add_parser(
        "review", help="revisa las preguntas que el bot no entendió (agrupadas, más frecuentes)"
    )
    review.add_argument("--limit", type=int, default=10, help="cuántos grupos mostrar")
    review.set_defaults(func=cmd_kb_review)
    learn = actions.add_parser(
        "learn", help="escribe en knowledge/ las formas de preguntar aceptadas en la revisión"
    )
    learn.add_argument("--write", action="store_true", help="escribe (sin esto, solo muestra)")
    learn.set_defaults(func=cmd_kb_learn)


def cmd_kb_review(args: argparse.Namespace) -> int:
    """The review queue in the terminal: one cluster at a time, a decision per line."""
    from bot.dialogue.insights import item_text
    from bot.insights import review

    settings = context.settings()
    core = context.load_core(settings)
    items = asyncio.run(
        context.in_session(settings, lambda s: review.review_queue(s, core, limit=args.limit))
    )
    if not items:
        print("No hay preguntas pendientes de revisión.")
        return context.EXIT_OK
    print(f"{len(items)} grupos de preguntas pendientes, los más frecuentes primero.")
    for number, item in enumerate(items, start=1):
        print(f"\n[{number}/{len(items)}] #{item.id} " + item_text(item))
        print(REVIEW_HELP)
        answer = _read_decision(len(item.candidates))
        if answer == "q":
            break
        _apply(answer, item, settings, core)
    return context.EXIT_OK


def _read_decision(candidates: int) -> str:
    """A line from standard input, asked again until valid; the end of input means quit."""
    choices = {str(n) for n in range(1, candidates + 1)} | {"n", "i", "s", "q"}
    while True:
        answer = (sys.stdin.readline() or "q").strip().lower()
        if answer in choices:
            return answer
        print("Respuesta no válida. " + REVIEW_HELP.strip())


def _apply(answer: str, item: QueueItem, settings: Settings, core: Core) -> None:
    from bot.insights import review
    from bot.insights.learn import write_draft

    if answer == "s":
        print("  → saltada")
    elif answer == "i":
        asyncio.run(context.in_session(settings, lambda s: review.ignore(s, item.id)))
        print("  → ignorada: no volverá a aparecer")
    elif answer == "n":
        drafted = asyncio.run(context.in_session(settings, lambda s: review.new_entry(s, item.id)))
        if drafted is not None:
            rel = write_draft(settings.knowledge_dir, drafted[1], drafted[2])
            print(f"  → borrador escrito en {settings.knowledge_dir / rel}")
    else:
        choice = int(answer) - 1
        accepted = asyncio.run(
            context.in_session(settings, lambda s: review.accept(s, core, item.id, choice))
        )
        if accepted is not None:
            print(
                f"  → aprendida para «{accepted[1]}»: se usa tras la próxima recarga; "
                "escríbala en el archivo con: mypebot kb learn --write"
            )


def cmd_kb_learn(args: argparse.Namespace) -> int:
    """Write accepted paraphrases into the entry files (and drafts into borradores/)."""
    from bot.knowledge.loader import load_knowledge
    from bot.storage.review import mark_written, not_written

    settings = context.settings()
    root = settings.knowledge_dir
    kb = load_knowledge(root).kb

    async def run() -> int:
        async with context.database(settings) as db, db.session() as session:
            items = await not_written(session)
            done: list[int] = []
            for item in items:
                written = _learn(item, args.write, root, kb)
                if written is not None:
                    done.append(written)
            if args.write:
                await mark_written(session, done)
                await session.commit()
            return len(items)

    count = asyncio.run(run())
    if not count:
        print("Nada que escribir.")
    elif not args.write:
        print(f"{count} cambios pendientes; con --write se escriben en {root}.")
    else:
        print(f"{count} cambios escritos. Revise con git diff y ejecute mypebot kb check.")
    return context.EXIT_OK


def _learn(item: ReviewItem, write: bool, root: Path, kb: KnowledgeBase) -> int | None:
    """Show (or, with `write`, make) one change; returns the item's id when it was written."""
    import datetime as dt

    from bot.insights.learn import write_draft, write_paraphrase
    from bot.insights.review import draft_entry

    if item.status == "learned" and item.entry_id:
        if not write:
            print(f"  {kb.entry_files.get(item.entry_id, item.entry_id)}: + «{item.wording}»")
            return None
        rel = write_paraphrase(root, kb, item.entry_id, item.wording)
        print(f"  {rel}: + «{item.wording}»" if rel else f"  ya estaba: «{item.wording}»")
    else:
        name, text = draft_entry(item, dt.date.today())
        if not write:
            print(f"  borradores/{name}: borrador nuevo")
            return None
        print(f"  {write_draft(root, name, text)}: borrador nuevo")
    return int(item.id or 0)
