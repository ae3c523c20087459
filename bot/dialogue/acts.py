"""What a message does in the conversation, read before it is taken as a question.

Owners do not only ask: they type "menú" or "volver", pick an option by its
number ("2", "la segunda") as they do on WhatsApp, answer "sí" or "ok", ask
for a person in many wordings, say the bot is not helping, greet in the
middle of a chat, or write in English or Quechua. None of these is a question
for the knowledge base, and retrieval can only answer them wrongly ("2" found
an entry about "el 2 %"). This module reads them; it is pure (text and the
latest keyboard in, an Act out) so every adapter gets the same reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.text.normalize import normalize

ActKind = Literal[
    "menu",
    "back",
    "help",
    "exit",
    "pick",
    "yes",
    "no",
    "person",
    "frustration",
    "foreign",
    "none",
]


@dataclass(frozen=True)
class Option:
    """One button of the latest keyboard: what it says and what pressing it sends."""

    label: str
    data: str


@dataclass(frozen=True)
class Act:
    kind: ActKind
    index: int | None = None  # "pick": the option chosen (0-based); None when out of range
    number: int | None = None  # "pick": the number typed, to say it was out of range
    language: str = ""  # "foreign": "en" or "qu"


NONE = Act("none")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Politeness and filler around a one-word act: "menu porfa", "ya pues", "la 2 nomas".
_FILLER = _words(
    "por favor porfa porfis pls plis please pe pues nomas no mas ya ok oka okey "
    "al a el la los las de del un una mi quiero quisiera deseo elijo escojo marco "
    "opcion opciones numero nro num boton"
)
_NAVIGATION: dict[str, ActKind] = {
    **dict.fromkeys(
        [
            "menu",
            "menus",
            "menu principal",
            "inicio",
            "ir al inicio",
            "volver al inicio",
            "volver al menu",
            "ir al menu",
            "ver menu",
            "mostrar menu",
            "empezar",
            "empezar de nuevo",
            "comenzar de nuevo",
            "reiniciar",
            "start",
            "principal",
        ],
        "menu",
    ),
    **dict.fromkeys(["volver", "atras", "regresar", "retroceder", "anterior", "back"], "back"),
    **dict.fromkeys(
        ["ayuda", "help", "ayudame", "auxilio", "necesito ayuda", "como funciona esto"], "help"
    ),
    **dict.fromkeys(
        [
            "salir",
            "cancelar",
            "cancela",
            "cancelalo",
            "terminar",
            "detener",
            "parar",
            "basta",
            "dejalo",
            "olvidalo",
            "olvidate",
            "ya no",
            "ya no quiero",
            "no quiero seguir",
            "exit",
            "stop",
        ],
        "exit",
    ),
}
_YES = _words(
    "si sii siii sip simon claro dale ya acepto bueno listo perfecto correcto afirmativo "
    "exacto ok oka okey okay vale yes va"
)
_YES_PHRASES = frozenset(
    [
        "de acuerdo",
        "claro que si",
        "por supuesto",
        "si acepto",
        "si claro",
        "si por favor",
        "si gracias",
        "ya pues",
        "esta bien",
        "ok gracias",
        "si esta bien",
        "asi es",
    ]
)
_NO = _words("no nop nope nel negativo nada")
_NO_PHRASES = frozenset(
    [
        "no gracias",
        "no acepto",
        "para nada",
        "todavia no",
        "ahora no",
        "mejor no",
        "no por ahora",
        "no quiero",
        "no deseo",
        "no esta bien",
    ]
)
_NUMBER_WORDS = {
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
}
_ORDINALS = {
    "primer": 1,
    "primero": 1,
    "primera": 1,
    "segundo": 2,
    "segunda": 2,
    "tercer": 3,
    "tercero": 3,
    "tercera": 3,
    "cuarto": 4,
    "cuarta": 4,
    "quinto": 5,
    "quinta": 5,
    "sexto": 6,
    "sexta": 6,
    "septimo": 7,
    "septima": 7,
    "setimo": 7,
    "setima": 7,
    "octavo": 8,
    "octava": 8,
    "noveno": 9,
    "novena": 9,
    "decimo": 10,
    "decima": 10,
}
_NUMERAL = re.compile(r"^([0-9]{1,2})(ro|ra|do|da|to|ta|vo|va|no|na|mo|ma|o|a|°|º)?$")

# Asking for a person, in the ways owners write it.
_PERSON = re.compile(
    r"\b(hablar|conversar|comunicarme|comunicarse|contactarme|contactar|chatear|atenderme|"
    r"atienda|atiendan|pasame|pasenme|paseme|comuniqueme|comuniquenme)\b"
    r".*\b(alguien|persona|personas|humano|humana|asesor|asesora|asesores|especialista|"
    r"funcionario|funcionaria|operador|operadora|agente|encargado|encargada|representante|"
    r"ejecutivo|ejecutiva|gente|equipo|ingeniero|ingeniera|consultor|consultora)\b"
    r"|\b(me|nos)\s+(pueden|puede|podrian|podria|podran|podra|van a|va a)\s+"
    r"(llamar|contactar|comunicar|escribir|atender|asesorar)\b"
    r"|\b(que|q)\s+(alguien|una persona|un asesor|una asesora|un especialista|el asesor|ustedes)?"
    r"\s*(me|nos)\s+(llame|llamen|contacte|contacten|atienda|atiendan|escriba|escriban|"
    r"asesore|asesoren|comunique|comuniquen)\b"
    r"|\b(alguien|una persona|un asesor|una asesora)\s+(que\s+)?(me|nos)\s+"
    r"(llame|contacte|atienda|escriba|asesore|oriente|ayude|explique)\b"
    r"|\b(llamenme|llameme|contactenme|contacteme|comuniquense|escribanme|asesorenme)\b"
    r"|\b(me|nos)\s+(llaman|llamas|contactan|contactas)\b"
    r"|\b(quiero|necesito|quisiera|deseo|busco|pido|requiero|prefiero)\s+(a\s+)?(un |una |el |la )?"
    r"(asesor|asesora|humano|humana|persona|operador|operadora|especialista|agente)\b"
    r"|\b(persona real|persona de verdad|ser humano|humano de verdad|atencion personalizada|"
    r"atencion humana|asesoria personalizada|asesor humano|un humano)\b"
    r"|^(un |una |con un |con una |hablar con )?(asesor|asesora|asesoria|humano|persona|operador|"
    r"operadora|agente|especialista)$"
)
# Saying the bot is not helping. Read only when little else is said: "mi máquina no
# funciona, ¿hay un CITE que la repare?" is a question, not a complaint.
_FRUSTRATION = re.compile(
    r"\b(no (me )?(entiendes|entiende|entendiste|entendio|comprendes|comprende|sirves|sirve|"
    r"sirvio|ayudas|ayuda|ayudaste|estas ayudando|esta ayudando|funciona|captas|capta)|"
    r"no es lo que (pregunte|pedi|dije|queria)|no era eso|eso no (es|era)|nada que ver|"
    r"no entiendo nada|pesimo|pesima|malisimo|malisima|inutil|que malo|que mala|"
    r"otra vez lo mismo|lo mismo otra vez|ya te dije|ya le dije|me estas tomando el pelo|"
    r"no tiene sentido|no responde|no respondes|no contestas|no contesta|que fastidio|"
    r"esto es una perdida de tiempo|perdida de tiempo)\b"
)
_COMPLAINT_WORDS = _words(
    "uff uf ufff puf pff ash ush aj agh ay oe oye pero que esto eso esta este bot robot "
    "asistente tu usted tan muy nada nunca siempre igual verdad de la el lo me nos se "
    "ya pues pe causa jaja jajaja hermano amigo mano señor senor joven"
)
_ENGLISH = _words(
    "the is are what how can you do does my your please hello hi want need with for about "
    "speak english where which who thanks thank would like get have there this i'm im "
    "any anyone info information company business funding help me"
)
_ENGLISH_STRONG = _words(
    "the is are what how you does your please hello want need with about speak english "
    "where which who thanks thank would there this anyone information can for my get "
    "funding business company"
)
# Quechua (and Aymara) words an owner may greet or ask with; none is Spanish.
_QUECHUA = _words(
    "allillanchu allinllachu allillachu imaynalla imaynallam imaynallan rimaykullayki "
    "rimaykullawayki napaykullayki sulpayki yusulpayki yusulpaki añaychay anchata maypi "
    "imataq imatam ñuqa nuqa noqa qam kani kanki munani munanki yanapay yanapaway "
    "yanapawanki llamkay llank'ay riqsiy runasimi kichwa quechua qichwa kamisaki "
    "jallalla waliki aymara tupananchiskama"
)


def _plain(text: str) -> str:
    return normalize(text).replace("%", " ").strip()


def _core_words(normal: str) -> list[str]:
    return [w for w in normal.split() if w not in _FILLER]


def _pick(normal: str, options: Sequence[Option]) -> Act | None:
    words = _core_words(normal) or normal.split()
    if len(words) == 1 or (len(words) == 2 and words[1] in {"opcion", "nomas"}):
        word = words[0]
        number: int | None = None
        numeral = _NUMERAL.match(word)
        if numeral:
            number = int(numeral.group(1))
        elif word in _NUMBER_WORDS and normal != "una":
            number = _NUMBER_WORDS[word]
        elif word in _ORDINALS:
            number = _ORDINALS[word]
        elif word in {"ultimo", "ultima"} and options:
            number = len(options)
        if number is not None:
            index = number - 1 if 1 <= number <= len(options) else None
            return Act("pick", index=index, number=number)
    return _pick_by_label(normal, options)


def _label(text: str) -> str:
    return " ".join(w for w in _plain(text).split() if w not in _FILLER)


def _pick_by_label(normal: str, options: Sequence[Option]) -> Act | None:
    """ "agroindustria" or "la de ica" after a keyboard: the one option it names."""
    said = " ".join(_core_words(normal))
    if not said or len(said.split()) > 4 or len(said) < 3 or said.isdigit():
        return None
    scored: list[tuple[float, int]] = []
    for index, option in enumerate(options):
        label = _label(option.label)
        if not label:
            continue
        if said == label:
            return Act("pick", index=index, number=index + 1)
        # Every word said is (nearly) a word of the label: "calzado" for "Cuero y calzado".
        label_words = label.split()
        if all(
            any(fuzz.ratio(w, lw) >= 85 for lw in label_words if len(lw) >= 3)
            for w in said.split()
            if len(w) >= 3
        ) and any(len(w) >= 4 for w in said.split()):
            scored.append((fuzz.ratio(said, label), index))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] - scored[1][0] < 10:
        return None  # "lima" for "Lima Metropolitana" and "Lima Provincias": ask, not guess
    index = scored[0][1]
    return Act("pick", index=index, number=index + 1)


# A CITE for the owner's own business, without saying what it is: "¿hay algún CITE
# para mí?", "¿qué CITE me conviene?". Answered from what the owner told us before.
_OWN_CITE = re.compile(
    r"\b(cite|cites|sites|centro)\b.*\b(para mi|para mi negocio|me (sirve|sirven|conviene|"
    r"convienen|ayuda|ayudan|ayudaria|queda|quedan|toca|corresponde)|puedo (ir|acudir)|"
    r"cerca|mas cercano|de mi (zona|region|ciudad|rubro))\b"
    r"|\b(que|cual|cuales|algun|hay)\s+(cite|cites|sites)\s+(me|para mi)\b"
)


def asks_for_own_cite(text: str) -> bool:
    return _OWN_CITE.search(_plain(text)) is not None


def asks_for_person(normal: str) -> bool:
    return _PERSON.search(normal) is not None


def _frustrated(normal: str) -> bool:
    found = _FRUSTRATION.search(normal)
    if found is None:
        return False
    rest = (normal[: found.start()] + " " + normal[found.end() :]).split()
    return sum(1 for w in rest if w not in _COMPLAINT_WORDS) <= 2


def _language(text: str, normal: str) -> str:
    words = normal.split()
    if not words:
        return ""
    if any(w in _QUECHUA for w in words):
        return "qu"
    raw = re.findall(r"[a-z']+", text.lower())
    english = [w for w in raw if w in _ENGLISH]
    strong = {w for w in raw if w in _ENGLISH_STRONG}
    if len(strong) >= 2 and len(english) >= 0.5 * len(raw):
        return "en"
    if "english" in raw:
        return "en"
    return ""


def read(text: str, options: Sequence[Option] = ()) -> Act:
    """The act of a message, given the options of the latest keyboard in this chat."""
    normal = _plain(text)
    if not normal:
        return NONE
    core = " ".join(_core_words(normal))
    kind = _NAVIGATION.get(normal) or _NAVIGATION.get(core)
    if kind is not None:
        return Act(kind)
    picked = _pick(normal, options)
    if picked is not None:
        return picked
    if normal in _YES_PHRASES or (normal.split() and all(w in _YES for w in normal.split())):
        return Act("yes")
    if normal in _NO_PHRASES or (normal.split() and all(w in _NO for w in normal.split())):
        return Act("no")
    if asks_for_person(normal):
        return Act("person")
    if _frustrated(normal):
        return Act("frustration")
    language = _language(text, normal)
    if language:
        return Act("foreign", language=language)
    return NONE
