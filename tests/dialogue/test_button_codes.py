"""The button codes are a wire format: keyboards already sent press with them."""

from __future__ import annotations

import re
from pathlib import Path

from bot.dialogue import callbacks as cb
from bot.dialogue import codes

# Written out, not derived: a renamed constant must never change what a button sends.
FROZEN = {
    "MENU": "menu",
    "ENTRY": "e",
    "MORE": "more",
    "MORE_CITE": "morec",
    "FEEDBACK": "fb",
    "NONE_FITS": "none",
    "CITE_SECTOR": "cs",
    "CITE_REGION_PAGE": "crp",
    "CITE_REGION": "cr",
    "CITE_NEED": "cn",
    "LEAD": "lead",
    "ADVISOR_LEAD": "adv",
    "LEAD_CONSENT": "lc",
    "LEAD_SKIP": "lskip",
    "LEAD_SAME_PHONE": "lph",
    "LEAD_SECTOR": "lsec",
    "PERSON": "hp",
    "HANDOFF_RATING": "hr",
    "HANDOFF_END": "ho",
    "DELETE": "del",
    "LEAD_STATUS": "ls",
    "LEAD_TAKE": "la",
    "LEAD_PAGE": "lp",
    "LEAD_VIEW": "lv",
    "ANNOUNCE": "ann",
    "CAMPAIGN": "bc",
    "REVIEW": "rv",
}
MENU_CHOICES = {
    "MENU_MAIN": "main",
    "MENU_ASK": "ask",
    "MENU_CITE": "cite",
    "MENU_CITE_ANY": "cite_any",
    "MENU_FINANCE": "fin",
    "MENU_NEWS": "news",
    "MENU_DATA": "data",
    "MENU_PERSON": "person",
}


def test_every_code_keeps_the_string_live_buttons_carry() -> None:
    for name, value in {**FROZEN, **MENU_CHOICES}.items():
        assert getattr(codes, name) == value, name
    assert (codes.YES, codes.NO) == ("y", "n")


def test_the_registry_lists_every_code_once() -> None:
    assert frozenset(FROZEN.values()) == codes.CODES
    assert len(set(FROZEN.values())) == len(FROZEN)


def test_codes_leave_room_for_their_arguments() -> None:
    for code in codes.CODES:
        assert cb.SEPARATOR not in code
        assert len(code.encode()) <= 5
        assert cb.decode(cb.encode(code, "x")).action == code


def test_no_flow_writes_a_code_as_a_bare_string() -> None:
    """A payload is built with a named code, so a code can be found and never retyped."""
    bare = re.compile(r"""cb\.encode\(\s*["']|\.action\s*(==|!=|in)\s*\{?\s*["']""")
    for path in Path(codes.__file__).parent.glob("*.py"):
        assert not bare.search(path.read_text(encoding="utf-8")), path.name
