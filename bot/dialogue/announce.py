"""/anunciar: staff compose an announcement in the chat, preview it, test it, send it.

text or photo with caption → preview exactly as recipients will see it, with
the recipient count of the chosen segment → optional test send to the staff
member alone → confirm or cancel. Confirming creates the campaign; the bot's
broadcast runner (any replica) sends it and edits one progress message.
"""

from __future__ import annotations

import secrets

from bot import phrases
from bot.broadcast import phrases as broadcast_phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.flow import Call, Flow
from bot.dialogue.model import Button, Event, Reply
from bot.dialogue.turn import Turn
from bot.storage.broadcasts import (
    CampaignNotFound,
    TransitionRefused,
    count_segment,
    create_campaign_once,
    set_status,
)

COMPOSE, PREVIEW = "ann_compose", "ann_preview"
STATES = frozenset({COMPOSE, PREVIEW})
ACTIONS = {"pause": "paused", "cancel": "cancelled", "resume": "running"}


def start(turn: Turn) -> None:
    turn.state, turn.data = COMPOSE, {}
    turn.say(Reply(phrases.ANNOUNCE_COMPOSE))


async def on_message(turn: Turn, event: Event) -> bool:
    """The announcement's text (or photo and caption); False when not composing."""
    if turn.state != COMPOSE:
        return False
    text = (event.text or "").strip()
    if not text:
        turn.say(Reply(phrases.ANNOUNCE_NEEDS_TEXT))
        return True
    problem = broadcast_phrases.length_problem(
        broadcast_phrases.render(text), with_photo=bool(event.photo)
    )
    if problem:
        turn.say(Reply(problem))
        return True
    turn.state = PREVIEW
    turn.data = {
        "ann": {
            "text": text,
            "photo": event.photo or None,
            "region": None,
            "sector": None,
            "key": secrets.token_hex(8),  # one campaign per preview, whichever replica
        }
    }
    await _preview(turn)
    return True


def _recipient_reply(text: str, photo: str | None) -> Reply:
    return Reply(broadcast_phrases.render(text), photo=photo)


async def _preview(turn: Turn, with_message: bool = True) -> None:
    ann = turn.data["ann"]
    kb = turn.core.kb
    count = await count_segment(await turn.transaction(), ann["region"], ann["sector"])
    if with_message:
        turn.say(_recipient_reply(ann["text"], ann["photo"]))
    segment = []
    if ann["region"] in kb.regions:
        segment.append(kb.regions[ann["region"]].name)
    if ann["sector"] in kb.sectors:
        segment.append(kb.sectors[ann["sector"]].name)
    rows = [
        [Button(phrases.ANNOUNCE_TEST, cb.encode(codes.ANNOUNCE, "test"))],
        [
            Button(phrases.ANNOUNCE_REGION, cb.encode(codes.ANNOUNCE, "regions")),
            Button(phrases.ANNOUNCE_SECTOR, cb.encode(codes.ANNOUNCE, "sectors")),
        ],
        [Button(phrases.ANNOUNCE_SEND.format(count=count), cb.encode(codes.ANNOUNCE, "go"))],
        [Button(phrases.ANNOUNCE_CANCEL, cb.encode(codes.ANNOUNCE, "x"))],
    ]
    turn.say(
        Reply(
            phrases.ANNOUNCE_PREVIEW.format(
                count=count, segment=" · ".join(segment) or phrases.ANNOUNCE_ALL
            ),
            buttons=rows,
        )
    )


def _segment_picker(prompt: str, kind: str, buttons: list[Button], per_row: int) -> Reply:
    """`prompt` with an "all" button (`kind` "-"), then `buttons` `per_row` to a row."""
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return Reply(
        prompt,
        buttons=[[Button(phrases.ANNOUNCE_ALL, cb.encode(codes.ANNOUNCE, kind, "-"))], *rows],
    )


async def on_button(turn: Turn, data: cb.Callback) -> None:
    """Buttons of the composing flow and of a running campaign (staff only)."""
    if data.action == codes.CAMPAIGN:
        await _campaign_action(turn, data.arg(0), data.arg(1))
        return
    if turn.state != PREVIEW or "ann" not in turn.data:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    ann = turn.data["ann"]
    kb = turn.core.kb
    choice = data.arg(0)
    if choice == "test":
        turn.say(_recipient_reply(ann["text"], ann["photo"]))
        await _preview(turn, with_message=False)
    elif choice == "regions":
        buttons = [
            Button(r.name, cb.encode(codes.ANNOUNCE, "r", r.id))
            for r in sorted(kb.regions.values(), key=lambda r: r.name)
        ]
        turn.say(_segment_picker(phrases.ANNOUNCE_PICK_REGION, "r", buttons, 3))
    elif choice == "sectors":
        buttons = [
            Button(s.name, cb.encode(codes.ANNOUNCE, "s", s.id)) for s in kb.sectors.values()
        ]
        turn.say(_segment_picker(phrases.ANNOUNCE_PICK_SECTOR, "s", buttons, 2))
    elif choice == "r" and (data.arg(1) in kb.regions or data.arg(1) == "-"):
        ann["region"] = None if data.arg(1) == "-" else data.arg(1)
        await _preview(turn, with_message=False)
    elif choice == "s" and (data.arg(1) in kb.sectors or data.arg(1) == "-"):
        ann["sector"] = None if data.arg(1) == "-" else data.arg(1)
        await _preview(turn, with_message=False)
    elif choice == "go":
        turn.reset()
        campaign, created = await create_campaign_once(
            await turn.transaction(),
            ann.get("key") or secrets.token_hex(8),
            ann["text"],
            photo=ann["photo"],
            region=ann["region"],
            sector=ann["sector"],
            created_by=turn.user.id,
            progress_chat_id=turn.user.id,
        )
        if not created:  # the same preview confirmed twice (a double tap, two replicas)
            turn.say(Reply(phrases.ANNOUNCE_ALREADY.format(id=campaign.id, total=campaign.total)))
            return
        if not campaign.total:
            turn.say(Reply(phrases.ANNOUNCE_NOBODY))
            return
        turn.say(Reply(phrases.ANNOUNCE_CREATED.format(id=campaign.id, total=campaign.total)))
    elif choice == "x":
        turn.reset()
        turn.say(Reply(phrases.ANNOUNCE_CANCELLED))
    else:
        turn.say(Reply(phrases.STALE_BUTTON))


async def _campaign_action(turn: Turn, action: str, campaign_id: str) -> None:
    number = cb.number(campaign_id)
    if action not in ACTIONS or number is None:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    try:
        campaign = await set_status(await turn.transaction(), number, ACTIONS[action])
    except CampaignNotFound:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    except TransitionRefused:
        turn.say(Reply(phrases.ANNOUNCE_CANNOT.format(id=campaign_id)))
        return
    label = broadcast_phrases.CAMPAIGN_STATUS.get(campaign.status, campaign.status)
    turn.say(Reply(phrases.ANNOUNCE_STATUS.format(id=campaign.id, status=label)))


def campaign_buttons(campaign_id: int, status: str) -> list[list[Button]]:
    """Under the progress message: pause or resume, and cancel."""
    toggle = (
        Button(phrases.ANNOUNCE_RESUME, cb.encode(codes.CAMPAIGN, "resume", campaign_id))
        if status == "paused"
        else Button(phrases.ANNOUNCE_PAUSE, cb.encode(codes.CAMPAIGN, "pause", campaign_id))
    )
    return [
        [toggle, Button(phrases.ANNOUNCE_STOP, cb.encode(codes.CAMPAIGN, "cancel", campaign_id))]
    ]


# -- what the flow answers --------------------------------------------------------------------

COMPOSED_IN = frozenset({"text", "media"})  # what an announcement can be written as


async def takes_over(call: Call) -> bool:
    """While staff write an announcement, their next message is its text (or photo)."""
    turn, event = call.turn, call.event
    return event.kind in COMPOSED_IN and turn.is_admin and await on_message(turn, event)


async def start_command(call: Call) -> None:
    start(call.turn)


async def button(call: Call) -> bool:
    await on_button(call.turn, call.data)
    return True


FLOW = Flow(
    name="announce",
    commands={"anunciar": start_command},
    buttons={codes.ANNOUNCE: button, codes.CAMPAIGN: button},
    states=STATES,
    staff_only=True,
    takes_over=takes_over,
)
