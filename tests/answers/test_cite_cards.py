"""CITE cards and honest gaps: a question about one named CITE is answered from the
catalogue, and a datum the sources lack is said to be missing before anything else."""

from __future__ import annotations

from bot.answers.cites import CARD_BODY
from bot.answers.sources import is_official
from bot.core import Core


def first_part(text: str) -> str:
    """The body a phone shows before the source line and the review footer."""
    return text.split("\n\n📚", 1)[0]


def test_a_cite_named_by_its_city_gets_its_own_card(core: Core) -> None:
    result = core.answers.reply("en ilo el cite ayuda a los pescadores con el choro?")
    assert [c.id for c in result.cites] == ["citepesquero-ilo"]
    assert "CITEpesquero Ilo" in result.text


def test_a_cite_written_glued_is_recognised(core: Core) -> None:
    result = core.answers.reply("que cifras tiene el citemadera")
    assert [c.id for c in result.cites] == ["citemadera"]


def test_a_card_shows_the_services_the_question_is_about_first(core: Core) -> None:
    result = core.answers.reply("el cite del callao me ayuda con mis conservas?")
    services = first_part(result.text).split("Servicios:", 1)[1]
    assert services.strip().startswith("• Tratamiento térmico de conservas")


def test_a_card_fits_a_phone_screen(core: Core) -> None:
    for cite_id in core.kb.cites:
        result = core.answers.cite_card("q", cite_id, "que servicios tiene")
        assert len(first_part(result.text)) <= CARD_BODY + 120, cite_id


def test_an_unconfirmed_cite_is_shown_with_its_caveat(core: Core) -> None:
    result = core.answers.reply("el cite agroindustrial de majes que hace")
    assert [c.id for c in result.cites] == ["citeagroindustrial-majes"]
    assert "por confirmar" in result.text


def test_two_centres_of_one_place_named_by_the_place_alone_get_no_card(core: Core) -> None:
    result = core.answers.reply("que hace el cite de ahuashiyacu")
    assert len(result.cites) != 1 or "🏭" not in result.text


def test_a_card_asked_for_a_phone_starts_by_saying_it_has_none(core: Core) -> None:
    result = core.answers.reply("me pasas el telefono del cite huallaga")
    assert result.text.startswith("No tengo el teléfono")
    assert "gob.pe/itp" in result.text.split("\n")[0]


def test_a_card_asked_for_a_price_says_it_has_no_tariff(core: Core) -> None:
    result = core.answers.reply("cuanto me cobra el citemadera por secar madera")
    assert result.text.startswith("No tengo el precio")


def test_a_card_asked_where_it_is_gives_the_location_the_sources_give(core: Core) -> None:
    result = core.answers.reply("donde esta el cite productivo madre de dios")
    assert "Interoceánica" in first_part(result.text)


def test_an_answer_about_a_year_the_sources_do_not_reach_says_so_first(core: Core) -> None:
    result = core.answers.reply("cuanto vale la uit del 2029")
    if result.kind == "answer":
        assert result.text.startswith("No tengo las cifras de 2029")


def test_an_answer_that_holds_the_year_asked_has_no_gap_notice(core: Core) -> None:
    result = core.answers.reply("cuanto vale la uit 2026")
    assert result.kind == "answer"
    assert not result.text.startswith("No tengo")


def test_asking_whether_a_case_qualifies_gets_no_verdict(core: Core) -> None:
    result = core.answers.reply("mi bodega califica para mype sostenible?")
    if result.kind == "answer":
        assert result.text.startswith("No tengo si su caso concreto califica")


def test_a_reply_shows_one_source_line_and_the_official_one_first(core: Core) -> None:
    for entry_id, entry in core.kb.entries.items():
        if len(entry.sources) < 2:
            continue
        result = core.answers.answer_entry("q", entry_id)
        assert result.text.count("📚") == 1, entry_id
        if any(is_official(str(s.url)) for s in entry.sources):
            assert is_official(result.sources[0].url), entry_id
            assert result.sources[0].url in result.text


def test_every_answer_fits_a_phone_screen_before_see_more(core: Core) -> None:
    assert max(len(e.answer.strip()) for e in core.kb.entries.values()) <= CARD_BODY


def test_a_chain_named_with_another_place_is_not_the_card_of_the_chains_lima_centre(
    core: Core,
) -> None:
    result = core.answers.reply("donde queda el cite madera de pucallpa?")
    assert "citemadera" not in [c.id for c in result.cites]
    assert not result.text.startswith("🏭 CITEmadera")
    assert "Pucallpa" in result.text


def test_a_named_cite_keeps_its_card_when_the_place_is_the_owners_own(core: Core) -> None:
    result = core.answers.reply("tengo un taller en huancayo, el citemadera me puede ayudar?")
    assert [c.id for c in result.cites] == ["citemadera"]
