"""How a message is read before it is taken as a question (bot/dialogue/acts.py)."""

from __future__ import annotations

import pytest

from bot.dialogue.acts import Act, Option, asks_for_own_cite, read

MENU = [
    Option("❓ Preguntar", "menu:ask"),
    Option("🏭 Encontrar un CITE", "menu:cite"),
    Option("💰 Financiamiento", "menu:fin"),
    Option("📰 Novedades", "menu:news"),
    Option("🔒 Mis datos", "menu:data"),
]
REGIONS = [
    Option("Lima Metropolitana", "cr:x:lima-metropolitana"),
    Option("Lima Provincias", "cr:x:lima-provincias"),
    Option("Loreto", "cr:x:loreto"),
]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("menu", "menu"),
        ("Menú", "menu"),
        ("MENU PORFA", "menu"),
        ("inicio", "menu"),
        ("volver al menu", "menu"),
        ("ayuda", "help"),
        ("volver", "back"),
        ("atrás", "back"),
        ("salir", "exit"),
        ("cancelar", "exit"),
        ("ya no quiero", "exit"),
        ("regresar al menu", "menu"),
        ("ver opciones", "menu"),
        ("volver atras", "back"),
        ("cancela todo", "exit"),
    ],
)
def test_navigation_words_are_read_as_navigation(text: str, kind: str) -> None:
    assert read(text, MENU).kind == kind


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("2", 1),
        ("2.", 1),
        ("la 2", 1),
        ("opción 2", 1),
        ("numero 3", 2),
        ("dos", 1),
        ("la segunda", 1),
        ("tercero", 2),
        ("2da", 1),
        ("la ultima", 4),
        ("financiamiento", 2),
        ("encontrar cite", 1),
        ("mis datos", 4),
    ],
)
def test_an_option_is_picked_by_number_ordinal_or_its_words(text: str, index: int) -> None:
    assert read(text, MENU) == Act("pick", index=index, number=index + 1)


def test_a_number_beyond_the_options_is_a_pick_out_of_range() -> None:
    assert read("9", MENU) == Act("pick", index=None, number=9)


def test_a_number_with_no_options_on_screen_is_still_a_pick() -> None:
    assert read("1", []) == Act("pick", index=None, number=1)


def test_a_word_shared_by_two_options_picks_neither() -> None:
    assert read("lima", REGIONS).kind != "pick"


def test_a_percentage_or_a_long_number_is_not_an_option() -> None:
    assert read("el 2 % de que", MENU).kind == "none"
    assert read("20123456789", MENU).kind == "none"


def test_a_unicode_digit_is_not_taken_for_an_ascii_option_number() -> None:
    assert read("٣", MENU).kind != "pick"


@pytest.mark.parametrize(
    "text", ["si", "Sí", "sip", "ok", "dale", "claro que si", "sí, acepto", "siii", "de una", "okk"]
)
def test_agreement_is_yes(text: str) -> None:
    assert read(text, MENU).kind == "yes"


@pytest.mark.parametrize(
    "text", ["no", "No gracias", "nop", "ahora no", "mejor no", "nooo", "no gracias, despues"]
)
def test_refusal_is_no(text: str) -> None:
    assert read(text, MENU).kind == "no"


@pytest.mark.parametrize(
    "text",
    [
        "quiero hablar con alguien",
        "me pueden llamar?",
        "mejor que alguien me llame",
        "quiero hablar con un asesor",
        "necesito una persona que me asesore",
        "quiero un asesor",
        "llamenme",
        "puedo hablar con una persona real?",
        "que me contacten por favor",
        "asesor",
        "hay alguien que me pueda atender?",
        "¿hay algún asesor disponible?",
        "necesito ayuda de una persona",
        "me comunican con alguien",
        "atencion al cliente",
        "pueden llamarme al 987654321",
    ],
)
def test_asking_for_a_person_in_any_wording_is_read_as_such(text: str) -> None:
    assert read(text).kind == "person"


@pytest.mark.parametrize(
    "text",
    [
        "que es un asesor tecnico del cite",
        "cuanto cuesta la asesoria del cite de ica",
        "proinnovate ayuda a personas naturales?",
        "quien es el encargado de los cite",
        "como contacto al cite de ica",
        "el asesor del cite me dijo que hay fondos, es cierto?",
    ],
)
def test_a_question_about_advice_services_is_not_a_request_for_a_person(text: str) -> None:
    assert read(text).kind == "none"


@pytest.mark.parametrize(
    "text",
    [
        "uff esto no sirve",
        "no me entiendes",
        "no entiendes nada",
        "nada que ver",
        "pesimo bot",
        "no me estas entendiendo",
        "eso no te pregunte",
        "q mal",
        "te estoy preguntando otra cosa",
    ],
)
def test_saying_the_bot_does_not_help_is_frustration(text: str) -> None:
    assert read(text).kind == "frustration"


@pytest.mark.parametrize(
    "text",
    [
        "mi maquina de coser no funciona, hay un cite que la repare?",
        "no entiendo que es la economia circular",
        "el cite no me respondio el correo, que hago?",
    ],
)
def test_a_question_that_says_something_went_wrong_is_not_frustration(text: str) -> None:
    assert read(text).kind == "none"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hello, do you speak english?", "en"),
        ("How can I get funding for my business", "en"),
        ("good morning", "en"),
        ("allillanchu", "qu"),
        ("imaynalla kachkanki, yanapawanki?", "qu"),
    ],
)
def test_another_language_is_recognised(text: str, language: str) -> None:
    assert read(text) == Act("foreign", language=language)


@pytest.mark.parametrize(
    "text",
    ["que es el delivery de residuos", "hay un workshop de economia circular?", "ok gracias"],
)
def test_spanish_with_an_english_word_is_not_foreign(text: str) -> None:
    assert read(text).kind != "foreign"


@pytest.mark.parametrize(
    "text", ["que es un cite", "hola buenas tardes", "¿cuánto da proinnovate?"]
)
def test_a_question_or_a_greeting_is_left_to_the_answers_engine(text: str) -> None:
    assert read(text, MENU).kind == "none"


@pytest.mark.parametrize(
    "text", ["hay algun cite para mi?", "que cite me conviene", "cual es el cite mas cercano"]
)
def test_a_cite_for_my_own_business_is_recognised(text: str) -> None:
    assert asks_for_own_cite(text)


def test_a_question_about_one_cite_is_not_about_my_own_business() -> None:
    assert not asks_for_own_cite("cuantos servicios dio el cite de ica")


def test_a_question_sharing_words_with_the_options_is_not_a_pick() -> None:
    titles = [
        Option("El préstamo del BID que financia a ProInnóvate", "e:bid"),
        Option("¿ProInnóvate presta dinero o no se devuelve?", "e:rnr"),
    ]
    assert read("que es proinnovate?", titles).kind == "none"
    assert read("el prestamo del bid", titles) == Act("pick", index=0, number=1)
