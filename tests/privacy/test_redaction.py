"""Free text is stored without phones, documents, e-mails or names; other numbers stay."""

from __future__ import annotations

import pytest

from bot.privacy.redaction import DNI, EMAIL, NAME, PHONE, RUC, redact


@pytest.mark.parametrize(
    "text",
    [
        "llamenme al 912345678",
        "mi cel 987 654 321 gracias",
        "whatsapp +51 987-654-321",
        "fijo (01) 426-7890 de la tienda",
        "o al 054-123456 en Arequipa",
    ],
)
def test_phones_are_replaced(text: str) -> None:
    redacted = redact(text)
    assert PHONE in redacted
    assert not any(run in "".join(c for c in redacted if c.isdigit()) for run in ("12345", "654"))


def test_a_ruc_is_replaced() -> None:
    assert redact("mi ruc es 20131369477, sirve?") == f"mi ruc es {RUC}, sirve?"


def test_a_dni_is_replaced() -> None:
    assert redact("dni 45678912") == f"dni {DNI}"


def test_an_email_is_replaced() -> None:
    assert redact("escribanme a rosa.quispe@gmail.com porfa") == f"escribanme a {EMAIL} porfa"


@pytest.mark.parametrize(
    "text",
    [
        "cuanto dan? 15 millones o 10000000 soles",
        "la Ley 29733 y el D. Leg. 1278 del 2016",
        "en 2025 y 2026 cuantos cites habia",
        "S/ 5,6 millones para el CITEtextil",
        "el 2 % del PBI",
    ],
)
def test_amounts_years_and_laws_stay(text: str) -> None:
    assert redact(text) == text


def test_the_senders_name_is_replaced_without_accents_or_case() -> None:
    assert redact("soy MARIA de la bodega", names=["María"]) == f"soy {NAME} de la bodega"


def test_a_short_name_is_not_taken_for_a_word() -> None:
    assert redact("la ley de mypes", names=["Le"]) == "la ley de mypes"


def test_a_name_introduced_by_the_person_is_replaced_until_a_common_word() -> None:
    assert (
        redact("me llamo Rosa Quispe y tengo una bodega") == f"me llamo {NAME} y tengo una bodega"
    )


def test_a_name_cue_followed_by_a_common_word_changes_nothing() -> None:
    assert redact("a quien le escribe al cite") == "a quien le escribe al cite"


def test_empty_text_stays_empty() -> None:
    assert redact("") == ""
