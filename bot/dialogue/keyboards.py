"""Turning core results into replies with buttons (still platform-neutral)."""

from __future__ import annotations

from bot import phrases
from bot.answers.result import AskResult
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.model import Button, Reply
from bot.knowledge.loader import KnowledgeBase

REGIONS_PER_PAGE = 10


def menu_buttons() -> list[list[Button]]:
    return [
        [
            Button(phrases.MENU_ASK, cb.encode(codes.MENU, codes.MENU_ASK)),
            Button(phrases.MENU_CITE, cb.encode(codes.MENU, codes.MENU_CITE)),
        ],
        [
            Button(phrases.MENU_FINANCE, cb.encode(codes.MENU, codes.MENU_FINANCE)),
            Button(phrases.MENU_NEWS, cb.encode(codes.MENU, codes.MENU_NEWS)),
        ],
        [
            Button(phrases.MENU_DATA, cb.encode(codes.MENU, codes.MENU_DATA)),
            Button(phrases.MENU_PERSON, cb.encode(codes.MENU, codes.MENU_PERSON)),
        ],
    ]


def menu_button() -> Button:
    return Button(phrases.BUTTON_MENU, cb.encode(codes.MENU, codes.MENU_MAIN))


def advisor_button() -> Button:
    """A person from the team (dialogue/handoff.py); the older "adv" buttons still leave a lead."""
    return Button(phrases.BUTTON_PERSON, cb.encode(codes.PERSON))


def entry_button(entry_id: str, title: str) -> Button:
    return Button(title, cb.encode(codes.ENTRY, entry_id))


def menu(text: str = phrases.MENU_PROMPT) -> Reply:
    return Reply(text, buttons=menu_buttons())


def ask_result(result: AskResult) -> Reply:
    """The reply for whatever the answers engine chose."""
    rows: list[list[Button]] = []
    if result.kind == "answer" and result.entry_id:
        rows.append(
            [
                Button(phrases.BUTTON_USEFUL, cb.encode(codes.FEEDBACK, result.entry_id, 1)),
                Button(phrases.BUTTON_NOT_USEFUL, cb.encode(codes.FEEDBACK, result.entry_id, 0)),
            ]
        )
        if result.more:
            rows.append([Button(phrases.BUTTON_MORE, cb.encode(codes.MORE, result.entry_id))])
        for suggestion in result.suggestions:
            rows.append([entry_button(suggestion.entry_id, suggestion.title)])
        rows.append(
            [Button(phrases.BUTTON_INTERESTED, cb.encode(codes.LEAD, "e", result.entry_id))]
        )
    elif result.kind == "suggestions":
        for suggestion in result.suggestions:
            rows.append([entry_button(suggestion.entry_id, suggestion.title)])
        rows.append([Button(phrases.SUGGESTIONS_NONE, cb.encode(codes.NONE_FITS))])
    elif result.kind == "fallback":
        rows.append([advisor_button()])
        rows.append([menu_button()])
    elif result.kind == "cites":
        if result.more and len(result.cites) == 1:  # one CITE's card, longer than a phone screen
            rows.append(
                [Button(phrases.BUTTON_MORE, cb.encode(codes.MORE_CITE, result.cites[0].id))]
            )
        for cite in result.cites:
            rows.append(
                [
                    Button(
                        phrases.BUTTON_INTERESTED_IN.format(name=cite.name),
                        cb.encode(codes.LEAD, "c", cite.id),
                    )
                ]
            )
        if not result.cites:
            rows.append([Button(phrases.MENU_CITE, cb.encode(codes.MENU, codes.MENU_CITE))])
            rows.append([advisor_button()])
    elif result.kind == "greeting":
        rows = menu_buttons()
    return Reply(result.text, buttons=rows, kind=result.kind)


def sectors(kb: KnowledgeBase) -> Reply:
    buttons = [Button(s.name, cb.encode(codes.CITE_SECTOR, s.id)) for s in kb.sectors.values()]
    return Reply(
        phrases.CITE_ASK_SECTOR, buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


def regions(kb: KnowledgeBase, sector: str, page: int) -> Reply:
    ordered = sorted(kb.regions.values(), key=lambda r: r.name)
    pages = max(1, -(-len(ordered) // REGIONS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = ordered[page * REGIONS_PER_PAGE : (page + 1) * REGIONS_PER_PAGE]
    buttons = [Button(r.name, cb.encode(codes.CITE_REGION, sector, r.id)) for r in chunk]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(Button(phrases.BUTTON_PREV, cb.encode(codes.CITE_REGION_PAGE, sector, page - 1)))
    if page < pages - 1:
        nav.append(Button(phrases.BUTTON_NEXT, cb.encode(codes.CITE_REGION_PAGE, sector, page + 1)))
    if nav:
        rows.append(nav)
    return Reply(phrases.CITE_ASK_REGION.format(page=page + 1, pages=pages), buttons=rows)


def needs(kb: KnowledgeBase, sector: str, region: str) -> Reply:
    buttons = [
        Button(n.name, cb.encode(codes.CITE_NEED, sector, region, n.id)) for n in kb.needs.values()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(phrases.CITE_ANY_NEED, cb.encode(codes.CITE_NEED, sector, region, "-"))])
    return Reply(phrases.CITE_ASK_NEED, buttons=rows)


def lead_status_buttons(lead_id: int) -> list[list[Button]]:
    buttons = [
        Button(label, cb.encode(codes.LEAD_STATUS, lead_id, status))
        for status, label in phrases.STAFF_STATUS_LABELS.items()
    ]
    return [
        [Button(phrases.BUTTON_TAKE_LEAD, cb.encode(codes.LEAD_TAKE, lead_id))],
        buttons[:2],
        buttons[2:],
    ]
