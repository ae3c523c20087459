"""Checks on what users type for a follow-up: Peruvian phone numbers and RUCs.

Pure functions returning a normalised value or the reason it is wrong, so the
dialogue can tell the user exactly what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

RUC_PREFIXES = ("10", "15", "17", "20")  # as python-stdnum; 16 is unconfirmed
RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Checked:
    value: str | None  # normalised value when valid
    problem: str | None = None  # "length" | "prefix" | "check_digit" | "invalid"

    @property
    def ok(self) -> bool:
        return self.value is not None


def check_phone(text: str) -> Checked:
    """A Peruvian number, mobile or landline, in E.164 (+51…)."""
    raw = text.strip()
    if not re.search(r"\d", raw):
        return Checked(None, "invalid")
    try:
        number = phonenumbers.parse(raw, "PE")
    except phonenumbers.NumberParseException:
        return Checked(None, "invalid")
    if number.country_code != 51 or not phonenumbers.is_valid_number(number):
        return Checked(None, "invalid")
    return Checked(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def ruc_check_digit(first_ten: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_ten, RUC_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def check_ruc(text: str) -> Checked:
    """11 digits, a known prefix and the SUNAT module-11 check digit."""
    digits = re.sub(r"[\s.-]", "", text.strip())
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 11:  # "²".isdigit() too
        return Checked(None, "length")
    if not digits.startswith(RUC_PREFIXES):
        return Checked(None, "prefix")
    if ruc_check_digit(digits[:10]) != int(digits[10]):
        return Checked(None, "check_digit")
    return Checked(digits)


def display_phone(e164: str | None) -> str | None:
    """How staff in Peru dial it ("987 654 321"); also never starts with '+' in a spreadsheet."""
    if not e164:
        return None
    if len(e164) == 12 and e164.startswith("+519") and e164[1:].isascii() and e164[1:].isdigit():
        return f"{e164[3:6]} {e164[6:9]} {e164[9:]}"  # mobiles, the common case, without parsing
    try:
        number = phonenumbers.parse(e164, "PE")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
