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

from bot.language.analyzer import STOPWORDS
from bot.language.normalize import normalize

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
    "opcion opciones opc option numero nro num boton ver mostrar elegir escoger seleccionar"
)
# Navigation: a short message made only of these words (and filler) navigates. The first
# group found wins, so "volver al menu" is the menu and "cancela todo" is leaving.
_NAVIGATION_WORDS: tuple[tuple[ActKind, frozenset[str]], ...] = (
    (
        "menu",
        _words("menu menus inicio principio principal opciones empezar comenzar reiniciar start"),
    ),
    (
        "exit",
        _words(
            "salir cancelar cancela cancelalo terminar termina detener parar basta dejalo olvidalo olvidate exit stop"
        ),
    ),
    ("back", _words("volver vuelve regresar regresa atras anterior retroceder back")),
    ("help", _words("ayuda help ayudame auxilio")),
)
_NAVIGATION_FILLER = (_FILLER - {"opcion", "opciones"}) | _words(
    "ir vamos otra vez de nuevo todo esto aqui conversacion chat quiero seguir no mejor paso me"
)
_NAVIGATION_PHRASES: dict[str, ActKind] = {
    "ya no": "exit",
    "ya no quiero": "exit",
    "no quiero seguir": "exit",
    "necesito ayuda": "help",
    "como funciona esto": "help",
}
# Agreement and refusal, alone or with politeness: "sí, claro", "dale pues", "no, gracias".
_YES = _words(
    "si claro dale ya acepto bueno listo perfecto correcto afirmativo exacto ok okey okay "
    "vale yes va sip simon acuerdo supuesto bien dokey oka"
)
_YES_PHRASES = frozenset({"de una", "asi es", "eso es", "esta bien"})
_YES_COMPANY = _words("de una esta asi es eso terminos condiciones acepto los")
_POLITE = _words("por favor gracias pues pe que los las el la muchas nomas")
_NO = _words("no nop nope nel negativo nones nunca")
_NO_COMPANY = _POLITE | _words(
    "ahora todavia aun mejor quiero deseo acepto despues luego tal vez esta bien para nada"
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

# Asking for a person: a person ("alguien", "un asesor") and a way of reaching one
# ("hablar", "atender", "llamar") in a short message; or a call asked of us ("llámenme");
# or a person alone ("un asesor, por favor"). "¿Quién es el encargado de los CITE?" names
# a person but reaches for none; "¿cómo contacto al CITE de Ica?" reaches for a place.
_PERSON_NOUN = re.compile(
    r"\b(alguien|persona|personas|humano|humana|asesor|asesora|asesores|especialista|"
    r"especialistas|funcionario|funcionaria|operador|operadora|agente|encargado|encargada|"
    r"representante|ejecutivo|ejecutiva|ingeniero|ingeniera|consultor|consultora)\b"
)
_REACH = re.compile(
    r"\b(habl(ar|o|e|en|amos)|convers(ar|o|e)|comunic\w*|comuniqu\w+|contactar(me|nos)?|"
    r"contacte\w*|chatear|atiend\w*|atender(me|nos)?|atencion|llamar(me|nos)?|llamen\w*|"
    r"llame\w*|llamada|disponible|pasame|pasenme|paseme)\b"
    r"|\b(me|nos)\s+(\w+\s+)?(ayud|orient|expliqu|asesor|escrib)\w*"
    r"|\b(ayudarme|orientarme|asesorarme|explicarme)\b"
)
_CALL_ME = re.compile(
    r"\b(llamenme|llameme|llamame|llamarme|contactenme|contacteme|contactarme|contactame|"
    r"comuniquense|escribanme|asesorenme)\b"
    r"|\b(me|nos)\s+(pueden|puede|podrian|podria|podran|podra|van a|va a)\s+"
    r"(llamar|contactar|comunicar|escribir|atender|asesorar)\b"
    r"|\b(me|nos)\s+(llaman|llamas|llamen|contactan|contactas|contacten|atienden)\b"
    r"|\b(persona real|persona de verdad|ser humano|atencion personalizada|atencion humana|"
    r"asesoria personalizada|atencion al cliente)\b"
    r"|\bayuda (de|con) (una persona|alguien|un asesor|una asesora|un humano|un especialista)\b"
)
_PERSON_ALONE = re.compile(
    r"^(un |una |el |la |con un |con una |hablar con |quiero |necesito |deseo )?(un |una )?"
    r"(asesor|asesora|asesoria|humano|persona|operador|operadora|agente|especialista)"
    r"( por favor| porfa| pls)?$"
)
PERSON_MAX_WORDS = 14  # longer messages that name a person are questions about something


# Saying the bot is not helping. Read only when little else is said: "mi máquina no
# funciona, ¿hay un CITE que la repare?" is a question, not a complaint.
_FRUSTRATION = re.compile(
    r"\bno (me |nos |le )?(estas |esta |estan )?(entiend\w*|entendi\w*|comprend\w*|ayud\w*|"
    r"sirv\w*|sirve|respond\w*|contest\w*|capt\w*|sabes|sabe|funciona)"
    r"|\bsigues? sin (entender|ayudar|responder)|\bno (es|era) (eso|lo que)|"
    r"\beso no (es|era|te pregunte|le pregunte|pregunte|pedi)|\bno (te|le) pregunte eso|"
    r"\bya (te|le) (dije|pregunte)|\b(te|le) (estoy preguntando|pregunte) otra cosa|"
    r"\botra cosa (te|le) pregunte|\bnada que ver|\bno entiendo nada|\bperdida de tiempo|"
    r"\botra vez lo mismo|\blo mismo otra vez|\bme estas tomando el pelo|\bno tiene sentido|"
    r"\bque fastidio|\bque (bot )?(tan |mas )?(malo|mala|inutil|pesimo|pesima)"
)
# A short message of only these says the bot is bad: "malo", "q mal", "pésimo bot".
_BAD = _words("malo mala mal pesimo pesima inutil horrible terrible basura fatal malisimo")
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
_ENGLISH_GREETING = _words("hi hello hey good morning afternoon evening thanks thank you bye")
# Quechua (and Aymara) words an owner may greet or ask with; none is Spanish.
_QUECHUA = _words(
    "allillanchu allinllachu allillachu imaynalla imaynallam imaynallan rimaykullayki "
    "rimaykullawayki napaykullayki sulpayki yusulpayki yusulpaki añaychay anchata maypi "
    "imataq imatam ñuqa nuqa noqa qam kani kanki munani munanki yanapay yanapaway "
    "yanapawanki llamkay llank'ay riqsiy runasimi kichwa quechua qichwa kamisaki "
    "jallalla waliki aymara tupananchiskama kamisaraki kamisaki"
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


# Question words: a message that asks is a question, whatever labels it shares words with.
_ASKING = _words("que como cuanto cuanta cuantos cuantas donde cual cuales quien quienes cuando")


def _pick_by_label(normal: str, options: Sequence[Option]) -> Act | None:
    """ "agroindustria" or "la de ica" after a keyboard: the one option it names."""
    said = " ".join(_core_words(normal))
    if not said or len(said.split()) > 4 or len(said) < 3 or said.isdigit():
        return None
    if any(w in _ASKING for w in said.split()):
        return None  # "¿qué es ProInnóvate?" after a list of ProInnóvate titles is a question
    content = [w for w in said.split() if len(w) >= 3 and w not in STOPWORDS]
    if not content:
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
            any(fuzz.ratio(w, lw) >= 85 for lw in label_words if len(lw) >= 3) for w in content
        ) and any(len(w) >= 4 for w in content):
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
    if _CALL_ME.search(normal) or _PERSON_ALONE.match(normal):
        return True
    if len(normal.split()) > PERSON_MAX_WORDS:
        return False
    noun = _PERSON_NOUN.search(normal)
    return noun is not None and _REACH.search(normal) is not None


def _frustrated(normal: str) -> bool:
    words = normal.split()
    only_bad = all(w in _BAD or w in _COMPLAINT_WORDS or w in {"q", "k"} for w in words)
    if words and len(words) <= 4 and any(w in _BAD for w in words) and only_bad:
        return True
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
    if "english" in raw or (raw and len(raw) <= 3 and all(w in _ENGLISH_GREETING for w in raw)):
        return "en"
    return ""


def _squeezed(words: list[str]) -> list[str]:
    """ "siii", "okk", "nooo" → "si", "ok", "no": for the few words read as acts."""
    return [re.sub(r"(.)\1+", r"\1", w) if len(w) > 2 else w for w in words]


def _navigation(normal: str) -> ActKind | None:
    if normal in _NAVIGATION_PHRASES:
        return _NAVIGATION_PHRASES[normal]
    words = _squeezed(normal.split())
    if len(words) > 5:
        return None
    said = {w for w in words if w not in _NAVIGATION_FILLER}
    for kind, vocabulary in _NAVIGATION_WORDS:
        if said & vocabulary and said <= {w for _, v in _NAVIGATION_WORDS for w in v}:
            return kind
    return None


def _yes_or_no(normal: str) -> ActKind | None:
    words = _squeezed(normal.split())
    if not words or len(words) > 6:
        return None
    if any(w in _NO for w in words):
        return "no" if all(w in _NO or w in _NO_COMPANY for w in words) else None
    if normal in _YES_PHRASES:
        return "yes"
    if any(w in _YES for w in words) and all(
        w in _YES or w in _POLITE or w in _YES_COMPANY for w in words
    ):
        return "yes"
    return None


def read(text: str, options: Sequence[Option] = ()) -> Act:
    """The act of a message, given the options of the latest keyboard in this chat."""
    normal = _plain(text)
    if not normal:
        return NONE
    kind = _navigation(normal)
    if kind is not None:
        return Act(kind)
    picked = _pick(normal, options)
    if picked is not None:
        return picked
    answer = _yes_or_no(normal)
    if answer is not None:
        return Act(answer)
    if asks_for_person(normal):
        return Act("person")
    if _frustrated(normal):
        return Act("frustration")
    language = _language(text, normal)
    if language:
        return Act("foreign", language=language)
    return NONE
