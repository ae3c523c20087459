"""Staff's /pendientes (review what the bot did not understand) and /estadisticas.

Access is checked by the router, as for every staff-only flow: admins
only, in a private chat or the staff chat. The buttons carry the review
item's id and the decision ("rv:<id>:e:<n>", "rv:<id>:n", "rv:<id>:i").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.flow import Call, Flow
from bot.dialogue.model import Button, Document, Reply
from bot.dialogue.turn import Turn
from bot.insights import review
from bot.insights.charts import render_png
from bot.insights.labels import namer
from bot.storage.statistics import build_statistics

LIMA = ZoneInfo("America/Lima")
STATS_DAYS = 30


def _day(moment: dt.datetime | None) -> str:
    return moment.astimezone(LIMA).strftime("%d/%m/%Y") if moment else "—"


def item_text(item: review.QueueItem) -> str:
    times = phrases.REVIEW_TIMES[0 if item.count == 1 else 1]
    others = phrases.REVIEW_OTHERS.format(count=item.others) if item.others else ""
    source = phrases.REVIEW_SOURCE_HANDOFF if item.source != "questions" else ""
    lines = [
        phrases.REVIEW_ITEM.format(
            wording=item.wording,
            count=item.count,
            times=times,
            first=_day(item.first_at),
            last=_day(item.last_at),
            others=others,
            source=source,
        )
    ]
    if item.candidates:
        lines.append(phrases.REVIEW_LIKELY)
        lines += [f"{n}. {c.title}" for n, c in enumerate(item.candidates, start=1)]
    else:
        lines.append(phrases.REVIEW_NO_LIKELY)
    return "\n".join(lines)


def item_buttons(item: review.QueueItem) -> list[list[Button]]:
    rows = [
        [
            Button(
                phrases.BUTTON_REVIEW_ENTRY.format(title=c.title[:40]),
                cb.encode(codes.REVIEW, item.id, "e", n),
            )
        ]
        for n, c in enumerate(item.candidates)
    ]
    rows.append(
        [
            Button(phrases.BUTTON_REVIEW_NEW, cb.encode(codes.REVIEW, item.id, "n")),
            Button(phrases.BUTTON_REVIEW_IGNORE, cb.encode(codes.REVIEW, item.id, "i")),
        ]
    )
    return rows


async def pending(turn: Turn) -> None:
    items = await review.review_queue(await turn.transaction(), turn.core)
    if not items:
        turn.say(Reply(phrases.REVIEW_EMPTY))
        return
    turn.say(Reply(phrases.REVIEW_INTRO.format(count=len(items))))
    for item in items:
        turn.say(Reply(item_text(item), buttons=item_buttons(item)))


async def on_button(turn: Turn, data: cb.Callback) -> None:
    item_id, what = cb.number(data.arg(0)), data.arg(1)
    if item_id is None or what not in {"e", "n", "i"}:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    session = await turn.transaction()
    by = turn.user.id
    if what == "e":
        choice = cb.number(data.arg(2))
        accepted = (
            None if choice is None else await review.accept(session, turn.core, item_id, choice, by)
        )
        if accepted is None:
            turn.say(Reply("", notice=phrases.REVIEW_ALREADY))
            return
        row, title = accepted
        turn.say(Reply(phrases.REVIEW_LEARNED.format(wording=row.wording, title=title)))
    elif what == "n":
        drafted = await review.new_entry(session, item_id, by)
        if drafted is None:
            turn.say(Reply("", notice=phrases.REVIEW_ALREADY))
            return
        _, name, draft = drafted
        turn.say(
            Reply(
                "",
                document=Document(name, draft.encode("utf-8"), phrases.REVIEW_DRAFTED),
            )
        )
    else:
        ignored = await review.ignore(session, item_id, by)
        if ignored is None:
            turn.say(Reply("", notice=phrases.REVIEW_ALREADY))
            return
        turn.say(Reply(phrases.REVIEW_IGNORED.format(wording=ignored.wording)))


async def statistics(turn: Turn, today: dt.date | None = None) -> None:
    until = today or dt.datetime.now(LIMA).date()
    since = until - dt.timedelta(days=STATS_DAYS - 1)
    stats = await build_statistics(await turn.transaction(), since, until)
    png = render_png(stats, namer(turn.core.kb))
    caption = phrases.STATS_CAPTION.format(since=f"{since:%d/%m}", until=f"{until:%d/%m/%Y}")
    turn.say(Reply(caption, photo=png))


async def pending_command(call: Call) -> None:
    await pending(call.turn)


async def statistics_command(call: Call) -> None:
    await statistics(call.turn)


async def review_button(call: Call) -> bool:
    await on_button(call.turn, call.data)
    return True


FLOW = Flow(
    name="insights",
    commands={"pendientes": pending_command, "estadisticas": statistics_command},
    buttons={codes.REVIEW: review_button},
    staff_only=True,
)
