"""CITE matching on the shipped catalogue: extraction from free text and ranking."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.cli import main
from bot.core import Core


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("tejo chompas en juliaca", "puno"),
        ("conservas de pescado en chimbote", "ancash"),
        ("cacao en tarapoto", "san-martin"),
        ("zapatos en arekipa", "arequipa"),  # typo
        ("muebles en pucalpa", "ucayali"),  # typo
        ("calzado en san juan de lurigancho", "lima-metropolitana"),
    ],
)
def test_a_city_or_province_names_its_region(core: Core, text: str, region: str) -> None:
    assert core.matcher.extract(text).region == region


@pytest.mark.parametrize(
    "text",
    [
        "hago zapatos uno por uno",  # "uno" is not Puno
        "la calidad de mi cuero es mala",  # "mala" is not the district of Mala
        "quiero libertad para vender mis muebles",  # "libertad" alone is not La Libertad
    ],
)
def test_common_words_are_not_taken_for_places(core: Core, text: str) -> None:
    assert core.matcher.extract(text).region is None


def test_region_name_itself_is_found(core: Core) -> None:
    assert core.matcher.extract("fabrico zapatos en la libertad").region == "la-libertad"


def test_two_places_the_one_where_the_business_is_wins(core: Core) -> None:
    extraction = core.matcher.extract("tengo mi taller de calzado en trujillo y vendo a lima")
    assert extraction.region == "la-libertad"


def test_two_places_without_a_cue_are_left_for_the_bot_to_ask(core: Core) -> None:
    result = core.matcher.match("muebles cusco arequipa")
    assert result.extraction.region is None
    assert set(result.extraction.region_candidates) == {"cusco", "arequipa"}
    assert "varias regiones" in result.message


def test_sector_and_needs_are_extracted(core: Core) -> None:
    extraction = core.matcher.extract(
        "tengo una curtiembre en arequipa y boto mucho retazo de cuero"
    )
    assert extraction.sector == "cuero-calzado"
    assert "residuos" in extraction.needs


def test_same_region_cite_comes_first_with_the_reason(core: Core) -> None:
    result = core.matcher.match("tengo una curtiembre en arequipa y boto mucho retazo de cuero")
    top = result.cites[0]
    assert top.id == "citeccal-arequipa"
    assert top.why.startswith("Cuero y calzado · Arequipa")


def test_region_without_a_cite_of_the_sector_gets_the_nearest_with_its_region_named(
    core: Core,
) -> None:
    result = core.matcher.match("zapateria en chiclayo")
    assert result.nearest
    assert result.cites[0].id == "citeccal-trujillo"
    assert "Lambayeque" in result.message and "La Libertad" in result.message
    assert "km" in result.cites[0].why


def test_unknown_sector_asks_what_the_business_does(core: Core) -> None:
    result = core.matcher.match("tengo un negocio en cusco")
    assert result.extraction.sector is None and result.cites == []
    assert "a qué se dedica" in result.message


def test_unknown_region_still_suggests_cites_of_the_sector(core: Core) -> None:
    result = core.matcher.match("hago muebles de madera")
    assert result.extraction.region is None
    assert result.cites and all(
        "madera-forestal" in core.kb.cites[c.id].sectors for c in result.cites
    )


def test_sector_without_any_cite_is_said_plainly(core: Core) -> None:
    result = core.matcher.match("tengo un taller de metalmecanica en arequipa")
    assert result.extraction.sector == "metalmecanica"
    assert result.cites == []
    assert "No encontré un CITE especializado" in result.message


def test_circular_services_are_flagged(core: Core) -> None:
    result = core.matcher.match("curtiembre en lima, quiero usar menos cromo")
    lima = next(c for c in result.cites if c.id == "citeccal-lima")
    assert any(s.circular for s in lima.services)


def test_match_json_shape(core: Core, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--json", "carpinteria en pucallpa, que hago con el aserrin"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"text", "sector", "region", "needs", "cites"} <= set(data)
    assert set(data["cites"][0]) == {"id", "name", "region", "city", "why", "services"}
    assert data["cites"][0]["id"] == "citeforestal-pucallpa"


def test_a_short_stem_does_not_match_an_unrelated_word(core: Core) -> None:
    # "cobra" and "cobre" share the stem "cobr": charging interest is not mining.
    assert core.matcher.extract("cuanto interes cobra mibanco por un prestamo").sector is None


def test_a_word_two_edits_away_is_not_a_typo_of_a_short_sector_word(core: Core) -> None:
    # "funcionando" is not a misspelt "fundición"; "curtienbre" is a misspelt curtiembre.
    assert core.matcher.extract("cuanto tiempo funcionando").sector is None
    assert core.matcher.extract("tengo una curtienbre").sector == "cuero-calzado"


def test_an_unconfirmed_cite_never_ranks_above_a_working_one_of_the_chain(core) -> None:
    # CITEagroindustrial Majes (Arequipa) is "por confirmar"; an owner in Majes still sees
    # the working agroindustrial CITEs first, and Majes only with its caveat.
    result = core.matcher.match("tengo una planta de lacteos en majes arequipa, que cite me ayuda")
    statuses = [core.kb.cites[c.id].status for c in result.cites]
    assert statuses == sorted(statuses, key=lambda s: s != "operando")
    for cite in result.cites:
        if core.kb.cites[cite.id].status == "incierto":
            assert "por confirmar" in cite.why


def test_the_business_cues_are_read_from_the_routing_file(core) -> None:
    from bot.matching.matcher import Matcher

    text = "chambeo el cuero en arequipa"
    assert not core.matcher.extract(text).business_cue  # "chambeo" is not a shipped cue
    routing = core.kb.routing.model_copy(update={"business": [r"\bchambeo\b"]})
    kb = dataclasses.replace(core.kb, routing=routing)
    assert Matcher(kb).extract(text).business_cue


def test_a_routing_cue_that_does_not_compile_is_refused() -> None:
    from pydantic import ValidationError

    from bot.knowledge.schema import Routing

    with pytest.raises(ValidationError, match="expresión regular inválida"):
        Routing(business=["(tengo"])
