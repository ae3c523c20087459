"""The answers engine: normalisation, typos, confidence bands and odd input."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answers.engine import AnswerEngine, Bands
from bot.answers.index import Hit
from bot.core import Core
from bot.language.analyzer import Analyzer, stem
from bot.language.normalize import normalize

# --- normalisation ---------------------------------------------------------------


def test_accents_and_case_are_removed() -> None:
    assert normalize("ECONOMÍA Circular, ¿Qué és?") == "economia circular que es"


def test_enye_is_kept_apart_from_n() -> None:
    assert normalize("Año") == "año" != normalize("ano")
    assert stem("año") != stem("ano")


@pytest.mark.parametrize("text", ["15,2", "15.2"])
def test_decimal_comma_and_point_are_the_same_number(text: str) -> None:
    assert normalize(f"USD {text} millones") == "usd 15.2 millones"


@pytest.mark.parametrize("text", ["7 000", "7.000", "7,000", "7000"])
def test_thousands_separators_are_dropped(text: str) -> None:
    assert normalize(text) == "7000"


def test_emojis_and_control_characters_are_dropped() -> None:
    assert normalize("hola\u0000 😀 mundo\u200b!") == "hola mundo"


def test_stop_list_keeps_words_that_change_the_question() -> None:
    words = Analyzer().words("no hay plata sin RUC donde y cuando")
    assert {"no", "sin", "donde", "cuando"} <= set(words)


@pytest.mark.parametrize(
    ("heard", "written"),
    [("sircular", "circular"), ("sinco", "cinco"), ("bentas", "ventas"), ("jestion", "gestion")],
)
def test_words_spelled_by_ear_are_corrected(heard: str, written: str) -> None:
    fixed = Analyzer(vocabulary=[written]).correct(heard)
    assert fixed is not None and fixed[0] == written


def test_a_different_first_sound_is_not_a_typo() -> None:
    assert Analyzer(vocabulary=["casos"]).correct("pasos") is None


def test_synonyms_map_everyday_words_to_the_curated_term() -> None:
    analyzer = Analyzer([("financiamiento", ["plata", "lana"]), ("cite", ["centro de innovacion"])])
    assert analyzer.words("necesito plata del centro de innovacion") == [
        "necesito",
        "financiamiento",
        "cite",
    ]


# --- bands --------------------------------------------------------------------------


def test_clear_question_gets_an_answer_with_source_and_review_date(core: Core) -> None:
    result = core.answers.reply("que es un CITE")
    assert result.kind == "answer" and result.entry_id == "cite-que-es"
    assert result.sources and "Fuente:" in result.text and "Revisado el" in result.text
    assert 0 < result.score <= 1


@pytest.mark.parametrize(
    "noisy",
    ["QUE ES UN CITE???", "ke es un sites", "qué es un cité 🤔", "que es un cyte"],
)
def test_typos_caps_and_missing_accents_still_find_the_entry(core: Core, noisy: str) -> None:
    result = core.answers.reply(noisy)
    assert (result.kind, result.entry_id) == ("answer", "cite-que-es")


def test_ambiguous_question_offers_up_to_three_suggestions(core: Core) -> None:
    strict = AnswerEngine(
        core.kb,
        bands=Bands(answer=1.01, sure=1.02, explained=1.01, lead=1.01),
        analyzer=core.answers.analyzer,
    )
    result = strict.reply("requisitos proinnovate")
    assert result.kind == "suggestions"
    assert 1 <= len(result.suggestions) <= 3
    assert "Quiso decir" in result.text


@pytest.mark.parametrize(
    "question",
    [
        "a cuanto esta el dolar hoy",
        "como saco mi DNI",
        "va a llover en cusco",
        "cuanto pago de impuesto a la renta",
        "eres un bot inutil",
        "asdkjh qwe zzxk",
        "what is the weather like",
    ],
)
def test_out_of_scope_questions_are_never_answered_confidently(core: Core, question: str) -> None:
    assert core.answers.reply(question).kind not in {"answer", "cites"}


@pytest.mark.parametrize(
    "greeting", ["hola", "Buenos días!!", "gracias", "muchas gracias 🙏", "chau"]
)
def test_greetings_and_thanks_get_a_greeting(core: Core, greeting: str) -> None:
    assert core.answers.reply(greeting).kind == "greeting"


def test_greeting_with_a_question_answers_the_question(core: Core) -> None:
    result = core.answers.reply("hola buenas, que es un cite?")
    assert (result.kind, result.entry_id) == ("answer", "cite-que-es")


def test_two_questions_in_one_message_answer_one_and_offer_the_other(core: Core) -> None:
    result = core.answers.reply("que es un cite? y cuanto vale la UIT este año?")
    assert result.kind == "answer"
    answered = {result.entry_id, *(s.entry_id for s in result.suggestions)}
    assert {"cite-que-es", "mype-uit-valor"} <= answered


@pytest.mark.parametrize(
    "odd",
    ["", "   ", "😀😀😀", "\u0000\u0007\u001b", "?!¡¿...", "a" * 5000, "que es un cite " * 400],
)
def test_odd_input_gets_a_clear_reply_and_no_crash(core: Core, odd: str) -> None:
    result = core.answers.reply(odd)
    assert result.text
    assert result.kind in {"answer", "suggestions", "fallback", "greeting", "cites"}


def test_empty_input_explains_what_to_write(core: Core) -> None:
    assert "Escríbame su pregunta" in core.answers.reply("😀").text


def test_business_description_is_routed_to_cite_matching(core: Core) -> None:
    result = core.answers.reply("carpinteria en pucallpa, que hago con el aserrin")
    assert result.kind == "cites"
    assert result.cites[0].id == "citeforestal-pucallpa"


def test_json_shape_is_the_stable_interface(core: Core) -> None:
    data = core.answers.reply("que es un cite").to_json()
    assert set(data) == {
        "question",
        "kind",
        "text",
        "entry_id",
        "score",
        "sources",
        "suggestions",
        "cites",
    }
    assert set(data["sources"][0]) == {"title", "url"}


@pytest.mark.parametrize(
    "talk", ["holaa q tal", "buenas noches, disculpe la hora", "GRACIAS CAUSA", "chau cuidate"]
)
def test_small_talk_with_extra_words_is_still_small_talk(core: Core, talk: str) -> None:
    assert core.answers.reply(talk).kind == "greeting"


def test_a_question_about_one_named_cite_gets_that_cites_card_not_a_list(core: Core) -> None:
    result = core.answers.reply("cuantos servicios dio el cite de cuero y calzado de trujillo?")
    assert [c.id for c in result.cites] == ["citeccal-trujillo"]
    assert "4864 servicios" in result.text


def test_entry_holding_all_the_rare_words_of_a_long_question_is_answered(core: Core) -> None:
    # No single paraphrase of proinnovate-antiguedad says "6 meses", "ruc" and
    # "antigüedad" together, so the score stays below the answer band; but only that
    # entry holds the whole question, its sibling proinnovate-requisitos does not.
    question = "mi negocito tiene 6 meses de ruc, piden antiguedad en proinnovate"
    bands = Bands(answer=0.60)  # a stricter answer band than shipped, to isolate the rule
    hits = core.answers.search(question)
    assert hits[0].entry_id == "proinnovate-antiguedad"
    assert hits[0].score < bands.answer
    assert hits[0].coverage - hits[1].coverage >= bands.coverage_lead
    engine = AnswerEngine(core.kb, bands=bands, analyzer=core.answers.analyzer)
    assert engine.reply(question).entry_id == "proinnovate-antiguedad"
    strict = AnswerEngine(
        core.kb, bands=replace(bands, explained=1.01, lead=1.01), analyzer=core.answers.analyzer
    )
    assert strict.reply(question).kind == "suggestions"


def test_a_one_word_fragment_does_not_hijack_a_long_message(core: Core) -> None:
    # "¿donde queda?" alone finds an entry on one word; the message as a whole
    # describes a carpentry business and goes to CITE matching.
    message = (
        "fabrico muebles en pucallpa hace muchos años y la madera se raja, "
        "hay cite para el secado? donde queda"
    )
    assert core.answers.reply(message).kind == "cites"


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("explicame facil q es economia circular, tengo una bodeguita", "def-economia-circular"),
        ("tengo una curtiembre, como reduzco el cromo de mis efluentes?", None),
    ],
)
def test_an_owner_asking_about_something_else_is_answered_not_matched(
    core: Core, message: str, entry: str | None
) -> None:
    result = core.answers.reply(message)
    assert result.kind != "cites"
    if entry is not None:
        assert result.entry_id == entry


@pytest.mark.parametrize(
    "message",
    [
        "somos cafetaleros en tingo maria, hay algun cite cerca",
        "tengo una curtiembre en arequipa, a donde acudo para que me ayuden con los retazos?",
    ],
)
def test_an_owner_asking_for_help_near_them_gets_cites(core: Core, message: str) -> None:
    assert core.answers.reply(message).kind == "cites"


def _hit(entry_id: str, score: float, coverage: float) -> Hit:
    return Hit(entry_id, score, frozenset({"a", "b"}), True, coverage)


def test_among_near_ties_the_entry_holding_the_whole_question_wins(core: Core) -> None:
    # A shared everyday word lifts "general" a little above "specific", which alone
    # holds every word of the question.
    hits = [_hit("general", 0.68, 0.61), _hit("specific", 0.65, 1.0), _hit("other", 0.50, 0.4)]
    assert core.answers._explains_the_tie(hits) is hits[1]


@pytest.mark.parametrize(
    "hits",
    [
        [_hit("general", 0.68, 0.61), _hit("specific", 0.60, 1.0)],  # not tied
        [_hit("general", 0.68, 0.80), _hit("specific", 0.65, 1.0)],  # both explain it
        [_hit("general", 0.54, 0.30), _hit("specific", 0.50, 1.0)],  # below the answer band
        [_hit("general", 0.68, 1.0), _hit("specific", 0.65, 0.5)],  # the best already does
    ],
)
def test_a_near_tie_is_not_reordered_without_a_clear_explanation(
    core: Core, hits: list[Hit]
) -> None:
    assert core.answers._explains_the_tie(hits) is None


def test_a_near_tie_is_answered_when_the_best_entry_holds_the_whole_question(
    core: Core,
) -> None:
    hits = [_hit("cite-que-es", 0.60, 0.90), _hit("cite-servicios", 0.59, 0.90)]
    reply = core.answers._decide("pregunta", "pregunta", hits)
    assert (reply.kind, reply.entry_id) == ("answer", "cite-que-es")


def _bands(core: Core) -> AnswerEngine:
    """An engine decided by the hand-set bands alone (no learned decision)."""
    return AnswerEngine(core.kb, bands=Bands(), analyzer=core.answers.analyzer)


def test_a_near_tie_where_the_best_entry_holds_part_of_the_question_is_suggested(
    core: Core,
) -> None:
    hits = [_hit("cite-que-es", 0.60, 0.50), _hit("cite-servicios", 0.59, 0.50)]
    assert _bands(core)._decide("pregunta", "pregunta", hits).kind == "suggestions"


def test_the_entry_that_alone_holds_the_question_is_answered_without_a_score_margin(
    core: Core,
) -> None:
    hits = [_hit("cite-que-es", 0.46, 0.90), _hit("cite-servicios", 0.45, 0.50)]
    reply = core.answers._decide("pregunta", "pregunta", hits)
    assert (reply.kind, reply.entry_id) == ("answer", "cite-que-es")


def test_two_entries_that_both_hold_the_question_are_only_suggested(core: Core) -> None:
    hits = [_hit("cite-que-es", 0.46, 0.90), _hit("cite-servicios", 0.45, 0.80)]
    assert _bands(core)._decide("pregunta", "pregunta", hits).kind == "suggestions"


def test_a_clear_lead_is_answered_below_the_answer_band(core: Core) -> None:
    hits = [_hit("cite-que-es", 0.50, 0.40), _hit("cite-servicios", 0.36, 0.30)]
    reply = core.answers._decide("pregunta", "pregunta", hits)
    assert (reply.kind, reply.entry_id) == ("answer", "cite-que-es")


@pytest.mark.parametrize(
    "hits",
    [
        [_hit("cite-que-es", 0.50, 0.40), _hit("cite-servicios", 0.42, 0.30)],  # small lead
        [_hit("cite-que-es", 0.45, 0.40), _hit("cite-servicios", 0.20, 0.30)],  # too low
    ],
)
def test_a_low_score_without_a_clear_lead_is_only_suggested(core: Core, hits: list[Hit]) -> None:
    assert core.answers._decide("pregunta", "pregunta", hits).kind == "suggestions"


def test_a_clear_answer_to_a_question_asked_beside_a_business_wins_over_matching(
    core: Core,
) -> None:
    # "muebles", "piura" and "economía circular" (a need) would make it a business
    # description; what the owner asks is the roadmap's results.
    reply = core.answers.reply(
        "tengo un taller de muebles en piura, que resultados tuvo la hoja de ruta de economia circular"
    )
    assert (reply.kind, reply.entry_id) == ("answer", "resultados-2020-2025")


def test_a_business_with_a_need_and_a_place_goes_to_matching_even_as_a_question(
    core: Core,
) -> None:
    reply = core.answers.reply("produzco pisco en ica y no se que hacer con el orujo")
    assert reply.kind == "cites"


@pytest.mark.parametrize(
    "insult", ["eres un bot inutil", "BOT DE MIERDA", "que idiota eres", "bot burro 😡"]
)
def test_an_insult_gets_the_fallback_not_an_answer(core: Core, insult: str) -> None:
    assert core.answers.reply(insult).kind == "fallback"


def test_waste_words_are_not_insults(core: Core) -> None:
    assert core.answers.reply("que hago con la basura de mi taller").kind != "fallback"


def test_a_censored_insult_gets_the_fallback(core: Core) -> None:
    assert core.answers.reply("bot de m***** 😡").kind == "fallback"


def test_workers_are_a_topic_not_an_everyday_verb(core: Core) -> None:
    # "trabajadores" shares its stem with "trabajar"; for MYPE size it is the point.
    reply = core.answers.reply("para ser mype importa cuantos trabajadores tengo?")
    assert reply.entry_id != "mype-peso-en-economia"


def test_asking_a_price_is_a_question_not_a_business_description(core: Core) -> None:
    assert core.answers.reply("precio de la madera tornillo por pie en pucallpa").kind != "cites"


def test_a_clause_about_the_owners_shop_does_not_steer_the_answer(core: Core) -> None:
    reply = core.answers.reply("explicame la economia circular, es para mi bodega de abarrotes")
    assert reply.entry_id == "def-economia-circular"


def test_an_owner_asking_for_a_cite_gets_cites_even_when_an_entry_fits_well(
    core: Core,
) -> None:
    # "hay cite para mi" alone is close to "¿qué es un CITE?"; the chain and the place
    # make the CITEs for them the answer.
    reply = core.answers.reply("soy del cusco y trabajo fibra de alpaca, hay cite para mi")
    assert reply.kind == "cites"


@pytest.mark.parametrize(
    "shopping",
    ["cuanto cuestan las zapatillas en gamarra", "donde venden muebles baratos en lima"],
)
def test_shopping_questions_get_the_fallback(core: Core, shopping: str) -> None:
    assert core.answers.reply(shopping).kind == "fallback"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "como saco mi certificado de antecedentes penales",
        "donde renuevo mi brevete",
        "como fracciono mi deuda con la sunat",
        "a como compran el kilo de chatarra",
        "donde vendo mi carton",
    ],
)
def test_paperwork_taxes_and_selling_get_the_fallback(core: Core, elsewhere: str) -> None:
    assert core.answers.reply(elsewhere).kind == "fallback"


def test_a_requirement_that_mentions_paperwork_is_still_in_scope(core: Core) -> None:
    reply = core.answers.reply(
        "si mi socio tiene antecedentes penales igual podemos postular a proinnovate"
    )
    assert (reply.kind, reply.entry_id) == ("answer", "proinnovate-requisitos")


def test_the_price_of_a_cite_service_is_still_in_scope(core: Core) -> None:
    assert core.answers.reply("cuanto cuesta un servicio del cite").kind != "fallback"


def test_capping_long_postings_keeps_the_same_answers(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a base large enough for the cap to apply, a generic term only scores the
    # candidates other terms found; the chosen entries must not change for it.
    from bot.answers import index

    questions = [
        "cuantos CITE tienen servicios de economia circular",
        "que es un cite",
        "que significa economia circular",
        "requisitos para postular a proinnovate",
    ]
    engine = AnswerEngine(core.kb, analyzer=core.answers.analyzer)
    before = [engine._reply(q).entry_id for q in questions]
    monkeypatch.setattr(index, "MAX_GENERATING", 20)
    assert [engine._reply(q).entry_id for q in questions] == before


@pytest.mark.parametrize(
    "description",
    [
        "crio truchas en puno",
        "cultivo conchas de abanico en sechura",
        "hago chompas de alpaca en el cusco",
        "tengo un aserradero en pucallpa",
        "cultivo choros en ilo",
    ],
)
def test_a_business_description_goes_to_matching_even_when_an_entry_names_its_cite(
    core: Core, description: str
) -> None:
    assert core.answers.reply(description).kind == "cites"


def test_a_rumour_to_check_is_answered_despite_who_told_it(core: Core) -> None:
    # "vecina", "dice", "cierto" frame the question; they are not what it is about.
    reply = core.answers.reply(
        "mi vecina dice que proinnovate da plata que no se devuelve, es cierto?"
    )
    assert (reply.kind, reply.entry_id) == ("answer", "proinnovate-no-reembolsable")


def test_a_clause_about_the_shop_that_holds_the_question_is_kept(core: Core) -> None:
    reply = core.answers.reply("el ruc de mi bodega empieza con 20, que significa")
    assert (reply.kind, reply.entry_id) == ("answer", "ruc-digitos-prefijos")


def test_asking_how_to_get_a_document_with_a_pronoun_gets_the_fallback(core: Core) -> None:
    assert core.answers.reply("el soat ya es digital? como lo saco").kind == "fallback"


def test_a_rumour_check_is_answered_from_what_it_claims_not_its_frame(core: Core) -> None:
    framed = core.answers.reply(
        "dicen q la hoja de ruta nacional la hizo el ministerio de economia"
    )
    assert framed.kind == "answer"
    assert framed.entry_id == "hoja-nacional-minam"
    assert framed.text.startswith("Esto es lo que dicen las fuentes")


def test_a_long_message_with_hearsay_inside_is_not_read_as_a_rumour(core: Core) -> None:
    engine = core.answers
    long_message = " ".join(["tengo una bodega en comas"] * 6) + " y dicen que hay una hoja de ruta"
    assert engine._claim(normalize(long_message)) is not None  # the frame is there...
    assert not engine.reply(long_message).text.startswith("Esto es lo que dicen")  # ...unused


def test_an_emoji_ends_the_clause_that_describes_the_business(core) -> None:
    from bot.matching.matcher import without_business_context

    text = "hago chocolates con cacao 🍫 que es la economia circular"
    assert without_business_context(text, core.matcher.cues) == "que es la economia circular"


def test_asking_where_an_event_took_place_is_no_request_for_a_cite(core: Core) -> None:
    result = core.answers.reply(
        "tengo un vivero de cacao en tarapoto, donde presentaron la hoja de ruta nacional"
    )
    assert result.kind == "answer"
    assert result.entry_id is not None and result.entry_id.startswith("hoja-")


def test_a_question_mark_makes_the_last_clause_a_question_beside_the_business(
    core: Core,
) -> None:
    # "seria pequeña o mediana empresa?" has no question word; its "?" says it asks.
    result = core.answers.reply(
        "tengo una carpinteria en pucallpa con 4 ayudantes, facturo 2 millones al año, "
        "seria pequeña o mediana empresa?"
    )
    assert result.kind == "answer"
    assert result.entry_id is not None and result.entry_id.startswith("mype-")
