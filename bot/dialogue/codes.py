"""Every button's action code, named once: the first part of a payload (callbacks.py).

The codes are short because Telegram allows 64 bytes a payload, and they can
never change: keyboards already sent, and the ones stored with staff notices
and campaigns, press with the code they were given. So the strings here are
frozen (tests/dialogue/test_button_codes.py pins them) and a code is written nowhere
else; which flow answers each one is declared by the flow (dialogue/flow.py).
"""

from __future__ import annotations

from typing import Final

# -- the main menu and the questions ---------------------------------------------------
MENU: Final = "menu"  # menu:<choice>, the choices below
ENTRY: Final = "e"  # e:<entry id>: show an entry
MORE: Final = "more"  # more:<entry id>: the rest of a long entry
MORE_CITE: Final = "morec"  # morec:<cite id>: the rest of a CITE's card
FEEDBACK: Final = "fb"  # fb:<entry id>:<1 useful | 0 not>
NONE_FITS: Final = "none"  # under suggestions: none of them is what was asked

# -- the CITE finder --------------------------------------------------------------------
CITE_SECTOR: Final = "cs"  # cs:<sector>
CITE_REGION_PAGE: Final = "crp"  # crp:<sector>:<page>
CITE_REGION: Final = "cr"  # cr:<sector>:<region>
CITE_NEED: Final = "cn"  # cn:<sector>:<region>:<need | ->

# -- leaving a lead ---------------------------------------------------------------------
LEAD: Final = "lead"  # lead:<e | c>:<entry or cite id>
ADVISOR_LEAD: Final = "adv"  # older fallback buttons: a lead about the last question
LEAD_CONSENT: Final = "lc"  # lc:<y | n>
LEAD_SKIP: Final = "lskip"  # lskip:<field>
LEAD_SAME_PHONE: Final = "lph"  # lph:<y | n>
LEAD_SECTOR: Final = "lsec"  # lsec:<sector>

# -- a person ---------------------------------------------------------------------------
PERSON: Final = "hp"
HANDOFF_RATING: Final = "hr"  # hr:<handoff id>:<1-5>
HANDOFF_END: Final = "ho"  # ho:end

# -- the owner's data -------------------------------------------------------------------
DELETE: Final = "del"  # del:ask, del:<y | n>:<token>

# -- staff ------------------------------------------------------------------------------
LEAD_STATUS: Final = "ls"  # ls:<lead id>:<status>
LEAD_TAKE: Final = "la"  # la:<lead id>
LEAD_PAGE: Final = "lp"  # lp:<page>
LEAD_VIEW: Final = "lv"  # lv:<lead id>
ANNOUNCE: Final = "ann"  # ann:<choice>[:<id>] while composing an announcement
CAMPAIGN: Final = "bc"  # bc:<pause | resume | cancel>:<campaign id>
REVIEW: Final = "rv"  # rv:<item id>:<e:<n> | n | i>

# The main menu's choices (menu:<choice>).
MENU_MAIN: Final = "main"
MENU_ASK: Final = "ask"
MENU_CITE: Final = "cite"
MENU_CITE_ANY: Final = "cite_any"  # "Cambiar rubro o región": the CITE finder from the start
MENU_FINANCE: Final = "fin"
MENU_NEWS: Final = "news"
MENU_DATA: Final = "data"
MENU_PERSON: Final = "person"

# The answers to a yes/no question a keyboard asked (<code>:y, <code>:n).
YES: Final = "y"
NO: Final = "n"
YES_NO_QUESTIONS: Final = frozenset({LEAD_CONSENT, DELETE, LEAD_SAME_PHONE})

CODES: Final = frozenset(
    {
        MENU,
        ENTRY,
        MORE,
        MORE_CITE,
        FEEDBACK,
        NONE_FITS,
        CITE_SECTOR,
        CITE_REGION_PAGE,
        CITE_REGION,
        CITE_NEED,
        LEAD,
        ADVISOR_LEAD,
        LEAD_CONSENT,
        LEAD_SKIP,
        LEAD_SAME_PHONE,
        LEAD_SECTOR,
        PERSON,
        HANDOFF_RATING,
        HANDOFF_END,
        DELETE,
        LEAD_STATUS,
        LEAD_TAKE,
        LEAD_PAGE,
        LEAD_VIEW,
        ANNOUNCE,
        CAMPAIGN,
        REVIEW,
    }
)
