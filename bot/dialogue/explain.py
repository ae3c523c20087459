"""Why a reply was chosen, in words: the reading of the message and the flows that answered.

For curators and developers (`mypebot chat --explain`, `mypebot ask --explain`,
and the dialogue's DEBUG log): a wrong reply is either a wrong reading or a
wrong flow, and this says which.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import phrases
from bot.dialogue.model import Event
from bot.dialogue.reading import Reading


def explain(reading: Reading | None, route: Sequence[str], event: Event | None = None) -> str:
    """The reading (when the event was text) and the route it took, one line a part."""
    lines: list[str] = []
    if event is not None:
        lines.append(_event_line(event, reading))
    if reading is not None:
        lines += _reading_lines(reading)
    flows = " → ".join(route)
    lines.append(phrases.EXPLAIN_ROUTE.format(route=flows) if route else phrases.EXPLAIN_NO_ROUTE)
    return "\n".join(lines)


def _event_line(event: Event, reading: Reading | None) -> str:
    kind = phrases.EXPLAIN_KINDS.get(event.kind, event.kind)
    if reading is not None:
        what = f"«{reading.text}»"
    elif event.kind == "command":
        what = f"/{event.command} {event.payload}".rstrip()
    elif event.kind == "button":
        what = event.data
    else:
        what = event.media or event.kind
    return phrases.EXPLAIN_EVENT.format(kind=kind, what=what)


def _reading_lines(reading: Reading) -> list[str]:
    act = reading.act
    shown: str = act.kind
    if act.kind == "pick":
        shown += f" {act.number}"
    elif act.kind == "foreign":
        shown += f" ({act.language})"
    lines = [phrases.EXPLAIN_ACT.format(act=shown, rule=reading.act_rule)]
    if reading.option is not None:
        lines.append(
            phrases.EXPLAIN_OPTION.format(
                label=reading.option.label, data=reading.option.data, rule=reading.option_rule
            )
        )
    elif reading.option_rule:
        lines.append(phrases.EXPLAIN_OPTION_NONE.format(rule=reading.option_rule))
    if reading.region_rule:
        lines.append(
            phrases.EXPLAIN_REGION.format(region=reading.region or "—", rule=reading.region_rule)
        )
    if reading.topic is not None:
        lines.append(
            phrases.EXPLAIN_TOPIC.format(topic=reading.topic.label, rule=reading.topic_rule)
        )
    else:
        lines.append(phrases.EXPLAIN_TOPIC_NONE.format(rule=reading.topic_rule))
    business = reading.business
    if business.sector or business.region or business.needs:
        lines.append(
            phrases.EXPLAIN_BUSINESS.format(
                sector=business.sector or "—",
                region=business.region or "—",
                needs=", ".join(business.needs) or "—",
                cue=phrases.EXPLAIN_BUSINESS_CUE if business.cue else "",
                rule=reading.business_rule,
            )
        )
    if reading.own_cite:
        lines.append(phrases.EXPLAIN_OWN_CITE)
    if reading.question:
        lines.append(
            phrases.EXPLAIN_QUESTION.format(question=reading.question, rule=reading.question_rule)
        )
    else:
        lines.append(phrases.EXPLAIN_QUESTION_NONE.format(rule=reading.question_rule))
    if reading.answer is not None:
        answer = reading.answer
        lines.append(
            phrases.EXPLAIN_ANSWER.format(
                kind=answer.kind,
                entry=f" {answer.entry_id}" if answer.entry_id else "",
                score=f" ({answer.score:.2f})" if answer.score is not None else "",
            )
        )
    return lines
