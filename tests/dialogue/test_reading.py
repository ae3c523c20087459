"""The reading of a message: one value, computed before any reply, each part with its rule."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.acts import Option
from bot.dialogue.context import Topic
from bot.dialogue.explain import explain
from bot.dialogue.model import Event, UserRef
from bot.dialogue.reading import Business, Situation, read

PROINNOVATE = Topic("ProInnóvate", "proinnovate")
SECTORS = (
    Option("Cuero y calzado", cb.encode(codes.CITE_SECTOR, "cuero-calzado")),
    Option("Madera, muebles y forestal", cb.encode(codes.CITE_SECTOR, "madera-forestal")),
    Option("Agroindustria", cb.encode(codes.CITE_SECTOR, "agroindustria")),
)
CONSENT = (
    Option("✅ Acepto", cb.encode(codes.LEAD_CONSENT, codes.YES)),
    Option("No, gracias", cb.encode(codes.LEAD_CONSENT, codes.NO)),
)


def test_a_number_picks_the_option_of_the_latest_keyboard(core: Core) -> None:
    reading = read("2", Situation(options=SECTORS), core)
    assert reading.act.kind == "pick"
    assert reading.option == SECTORS[1]
    assert reading.act_rule == "acts.read: número de opción"


def test_a_label_picks_the_option_it_names(core: Core) -> None:
    reading = read("agroindustria", Situation(options=SECTORS), core)
    assert reading.option == SECTORS[2]
    assert reading.act_rule == "acts.read: nombre de opción"


def test_a_number_beyond_the_keyboard_picks_nothing_and_says_so(core: Core) -> None:
    reading = read("7", Situation(options=SECTORS), core)
    assert (reading.act.kind, reading.act.number, reading.option) == ("pick", 7, None)
    assert "fuera de rango" in reading.option_rule


def test_yes_answers_the_question_the_keyboard_asked(core: Core) -> None:
    assert read("sí, claro", Situation(options=CONSENT), core).option == CONSENT[0]
    assert read("no gracias", Situation(options=CONSENT), core).option == CONSENT[1]
    assert read("sí", Situation(options=SECTORS), core).option is None  # nothing was asked


def test_a_follow_up_leans_on_the_topic_and_the_engine_is_asked_with_it(core: Core) -> None:
    reading = read("y cuanto me dan?", Situation(topic=PROINNOVATE), core)
    assert reading.topic == PROINNOVATE
    assert reading.question == "proinnovate cuanto me dan"
    assert reading.answer is not None and reading.answer.kind == "answer"
    assert "«y»" in reading.topic_rule


def test_a_greeting_or_a_full_question_does_not_lean_on_the_topic(core: Core) -> None:
    hello = read("hola", Situation(topic=PROINNOVATE), core)
    assert hello.topic is None and "saludo" in hello.topic_rule
    full = read("¿qué es el RUC y cómo lo saco para mi negocio de calzado?", Situation(), core)
    assert full.topic is None and full.question == full.text


def test_a_region_is_looked_up_only_when_the_cite_finder_asked_for_one(core: Core) -> None:
    asked = read("Arequipa", Situation(region_for="agroindustria"), core)
    assert asked.region == "arequipa" and asked.region_rule == "places.lookup"
    assert read("Arequipa", Situation(), core).region is None


def test_the_business_described_is_part_of_the_reading(core: Core) -> None:
    business = read("tengo una panaderia en arequipa", Situation(), core).business
    assert (business.region, business.cue) == ("arequipa", True)
    assert business.sector is not None


def test_the_owners_own_cite_is_read_without_a_business(core: Core) -> None:
    assert read("¿hay algún CITE para mí?", Situation(), core).own_cite


def test_a_reading_is_a_value(core: Core) -> None:
    reading = read("quiero hablar con alguien", Situation(), core)
    assert reading.act.kind == "person"
    assert read("quiero hablar con alguien", Situation(), core) == reading
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.text = "otra cosa"  # type: ignore[misc]


def test_explain_says_what_was_read_and_who_answered(core: Core) -> None:
    reading = read("y cuanto me dan?", Situation(topic=PROINNOVATE), core)
    event = Event(user=UserRef(1), kind="text", text="y cuanto me dan?")
    shown = explain(reading, ["questions: pregunta"], event)
    assert "«y cuanto me dan?»" in shown
    assert "ProInnóvate" in shown and "proinnovate cuanto me dan" in shown
    assert shown.splitlines()[-1].endswith("questions: pregunta")


def test_explain_of_a_button_names_its_payload() -> None:
    event = Event(user=UserRef(1), kind="button", data="cs:agroindustria")
    shown = explain(None, ["cite_finder: [cs]"], event)
    assert "cs:agroindustria" in shown and "cite_finder: [cs]" in shown


def test_personal_data_typed_into_a_capture_is_not_handed_to_the_engine(core: Core) -> None:
    reading = read("987 654 321", Situation(private=True), core)
    assert (reading.answer, reading.question, reading.topic) == (None, "", None)
    assert reading.business == Business()
    assert "datos personales" in reading.question_rule
