"""Every sentence the bot says, in one place and one voice (Spanish, usted).

Logic never builds user-facing Spanish inline: it picks a text here and fills
in values, so copy can be reviewed and edited without touching the code.
"""

from __future__ import annotations

GREETING = (
    "¡Hola! 👋 Soy el asistente de PRODUCE para las MYPE. Puedo responder sus preguntas sobre "
    "economía circular, ProInnóvate, MYPE Sostenible y la red CITE, y ayudarle a encontrar el "
    "CITE que le conviene a su negocio. Escriba su pregunta o elija una opción del menú."
)
THANKS = "¡Con gusto! Si tiene otra consulta, aquí estoy. 🙂"
GOODBYE = "¡Hasta pronto! Cuando quiera, escríbame de nuevo."

SOURCE_LINE = "📚 Fuente: {title} — {url}"
REVIEWED_LINE = "Revisado el {date}."
SEE_MORE_HINT = "Hay más detalle: toque «Ver más»."

SUGGESTIONS_INTRO = "No estoy seguro de haberle entendido. ¿Quiso decir…?"
SUGGESTIONS_NONE = "Ninguna de estas"

FALLBACK = (
    "Disculpe, sobre eso no tengo información confiable y prefiero no adivinar. "
    "Puedo ayudarle con economía circular, ProInnóvate, MYPE Sostenible y los CITE. "
    "Si lo desea, una persona del equipo puede contactarle: toque «Hablar con una persona»."
)
EMPTY_INPUT = "No recibí texto. Escríbame su pregunta, por ejemplo: «¿Qué es un CITE?»"
ALSO_ASKED = "Sobre su otra pregunta, quizá le sirva: «{title}»."

CITES_INTRO = "Estos CITE pueden ayudarle:"
CITES_NEAREST_INTRO = (
    "En {region} no hay un CITE de {sector}; el más cercano es el de {cite_region}:"
)
CITES_NO_SECTOR = (
    "No encontré un CITE especializado en {sector}. Le sugiero un CITE de varias cadenas, "
    "ProInnóvate para financiar innovación, o que una persona del equipo le oriente."
)
CITES_ASK_SECTOR = (
    "Para sugerirle un CITE necesito saber a qué se dedica su negocio (por ejemplo: calzado, "
    "muebles de madera, alimentos, textiles de alpaca, pesca)."
)
CITE_LINE = "• {name} ({city}) — {why}"
CIRCULAR_MARK = "♻️"

# --- menu and navigation ---------------------------------------------------------

MENU_PROMPT = "¿En qué le ayudo? Elija una opción o escriba su pregunta."
MENU_ASK = "❓ Preguntar"
MENU_CITE = "🏭 Encontrar un CITE"
MENU_FINANCE = "💰 Financiamiento"
MENU_NEWS = "📰 Novedades"
MENU_DATA = "🔒 Mis datos"
BUTTON_MENU = "Menú"
ASK_PROMPT = (
    "Escriba su pregunta con sus palabras, por ejemplo: «¿ProInnóvate presta plata?» o "
    "«¿Cómo pido un servicio a un CITE?»"
)
HELP = (
    "Esto es lo que puedo hacer:\n"
    "• Responder preguntas sobre economía circular, ProInnóvate, MYPE Sostenible y los CITE "
    "(siempre con la fuente).\n"
    "• Sugerirle un CITE: cuénteme qué hace y dónde, p. ej. «hago muebles en Pucallpa».\n"
    "• Pasar su consulta a una persona del equipo, si usted lo autoriza.\n\n"
    "Comandos: /menu · /ayuda · /cancelar · /novedades · /baja · /mis_datos · /borrar_mis_datos"
)
CANCELLED = "Listo, lo dejamos ahí. ¿Le ayudo con algo más?"
UNKNOWN_COMMAND = "No conozco ese comando. Escriba /ayuda para ver lo que puedo hacer."
STALE_BUTTON = "Ese botón ya no está vigente (el mensaje es antiguo o la información cambió). Le muestro el menú."
MEDIA_REPLY = {
    "voice": "Todavía no puedo escuchar audios 🙉. ¿Me escribe su consulta en un mensaje de texto?",
    "photo": "Recibí una imagen, pero solo entiendo texto. ¿Me describe su consulta por escrito?",
    "sticker": "¡Bonito sticker! 😄 Para ayudarle, escríbame su pregunta.",
    "location": "Gracias por su ubicación. Para sugerirle un CITE, escríbame su ciudad o región y a qué se dedica.",
    "document": "No puedo leer archivos. Escríbame su consulta en un mensaje, por favor.",
}
MEDIA_DEFAULT = "Solo entiendo mensajes de texto y los botones. ¿Me escribe su consulta?"

# --- answers -------------------------------------------------------------------------

BUTTON_USEFUL = "👍 Me sirvió"
BUTTON_NOT_USEFUL = "👎 No me sirvió"
BUTTON_MORE = "Ver más"
BUTTON_INTERESTED = "🙋 Quiero asesoría"
BUTTON_ADVISOR = "🙋 Hablar con un asesor"
FEEDBACK_THANKS = "¡Gracias por su opinión!"
FEEDBACK_SORRY = (
    "Gracias por decírmelo; lo usaremos para mejorar. Si quiere, un asesor puede ayudarle."
)
NO_MORE = "Esa respuesta no tiene más detalle."
FINANCE_INTRO = "Estos temas de financiamiento pueden servirle:"

# --- CITE flow -----------------------------------------------------------------------

CITE_ASK_SECTOR = "¿A qué se dedica su negocio? Elija su rubro:"
CITE_ASK_REGION = (
    "¿En qué región está su negocio? Elija una o escriba su ciudad (página {page} de {pages}):"
)
CITE_REGION_NOT_FOUND = "No reconocí «{text}» como una región o ciudad del Perú. Elija una de la lista o escríbala de nuevo."
CITE_ASK_NEED = "¿Qué necesita? Elija lo que más se acerque:"
CITE_ANY_NEED = "Cualquier servicio"
BUTTON_PREV = "◀ Anteriores"
BUTTON_NEXT = "Más regiones ▶"
BUTTON_INTERESTED_IN = "🙋 Me interesa: {name}"

# --- news --------------------------------------------------------------------------

SUBSCRIBED = (
    "¡Listo! Le enviaré novedades de PRODUCE y los CITE (convocatorias, talleres, servicios). "
    "Para dejar de recibirlas, escriba /baja."
)
ALREADY_SUBSCRIBED = "Ya está suscrito a las novedades. Para dejar de recibirlas, escriba /baja."
UNSUBSCRIBED = "Listo, ya no le enviaré novedades. Si cambia de opinión, escriba /novedades."
NOT_SUBSCRIBED = "No estaba suscrito a las novedades. Si quiere recibirlas, escriba /novedades."

CITES_WHICH_REGION = "Mencionó varias regiones ({regions}). Estos CITE sirven a su rubro; dígame dónde está su negocio para afinar:"
CITES_NEXT_STEP = "Si le interesa uno, toque «Me interesa» y una persona del equipo le contactará (solo con su permiso)."

CONTACT_UNEXPECTED = (
    "Gracias. Solo uso su número cuando usted pide que un asesor le contacte; "
    "si lo desea, toque «Hablar con una persona» en el menú."
)
CONTACT_NOT_OWN = (
    "Gracias, pero ese contacto es de otra persona, y solo llamamos a quien lo pide. "
    "Toque «Compartir mi número» o escriba su celular (por ejemplo, 987 654 321)."
)

# --- the user's data -----------------------------------------------------------------

MY_DATA_INTRO = "Esto es lo que guardo sobre usted:"
MY_DATA_ID = "• Su número de usuario de Telegram: {id}"
MY_DATA_SINCE = "• Primer contacto: {date}"
MY_DATA_SOURCE = "• Cómo llegó al bot: {source}"
MY_DATA_REGION = "• Región: {region}"
MY_DATA_SECTOR = "• Rubro: {sector}"
MY_DATA_NEWS = "• Recibe novedades: {news}"

# --- terminal chat -------------------------------------------------------------------

TERMINAL_WELCOME = (
    "mypebot · chat de prueba en la terminal. Escriba como en Telegram; para tocar un botón "
    "escriba su número. «/salir» o Ctrl-D para terminar."
)
TERMINAL_TYPE_PHONE = "(en Telegram aquí aparece el botón «Compartir mi número»; escríbalo)"
BUTTON_SHARE_PHONE = "📱 Compartir mi número"

# --- lead capture (Ley N.° 29733) ------------------------------------------------------

CONSENT_VERSION = "2026-11-v1"  # change when CONSENT changes; stored with each lead
CONSENT = (
    "Para que una persona le contacte sobre «{topic}» necesito su permiso:\n\n"
    "• Guardaré su número de celular, su nombre y, si me los da, el nombre de su negocio, su RUC, "
    "su región y su rubro.\n"
    "• Solo para que PRODUCE o el CITE correspondiente le llamen o escriban sobre este tema.\n"
    "• Los recibe el equipo de PRODUCE y, si corresponde, el CITE.\n"
    "• Puede verlos con /mis_datos y borrarlos cuando quiera con /borrar_mis_datos "
    "(Ley N.° 29733 de Protección de Datos Personales).\n\n"
    "¿Acepta?"
)
BUTTON_ACCEPT = "✅ Acepto"
BUTTON_DECLINE = "No, gracias"
BUTTON_SKIP = "Omitir"
CONSENT_DECLINED = "Entendido: no guardé ningún dato suyo. Puede seguir preguntando cuando quiera."
ASK_PHONE = (
    "Gracias. ¿A qué número de celular le contactamos? Toque «Compartir mi número» "
    "o escríbalo (por ejemplo, 987 654 321)."
)
PHONE_INVALID = (
    "Ese número no parece un teléfono del Perú. Escríbalo con sus 9 dígitos, por ejemplo "
    "987 654 321, o toque «Compartir mi número»."
)
ASK_BUSINESS = "¿Cómo se llama su negocio? (Es opcional: puede tocar «Omitir».)"
ASK_RUC = "¿Cuál es su RUC? (Es opcional: puede tocar «Omitir».)"
RUC_PROBLEMS = {
    "length": "El RUC tiene 11 dígitos y ese tiene otra cantidad. Revíselo o toque «Omitir».",
    "prefix": "Un RUC empieza con 10, 15, 17 o 20, y ese no. Revíselo o toque «Omitir».",
    "check_digit": "Ese RUC no pasa la verificación del último dígito: quizá hay un número cambiado. Revíselo o toque «Omitir».",
}
ASK_LEAD_REGION = (
    "¿En qué región o ciudad está su negocio? (por ejemplo: Arequipa, Juliaca, Chimbote)"
)
LEAD_REGION_NOT_FOUND = (
    "No reconocí esa región o ciudad. Escríbala de nuevo (por ejemplo: Cusco) o toque «Omitir»."
)
ASK_LEAD_SECTOR = "¿A qué rubro se dedica?"
LEAD_CONFIRMED = (
    "¡Listo! Registré su interés en «{topic}». Su código es {reference}.\n"
    "Una persona del equipo de PRODUCE o del CITE le contactará al {phone}. "
    "Si tiene alguna duda, mencione ese código. Puede ver o borrar sus datos con /mis_datos y /borrar_mis_datos."
)
LEAD_ALREADY = (
    "Ya tenemos registrado su interés en «{topic}» (código {reference}). "
    "Una persona del equipo le contactará; no hace falta registrarlo otra vez."
)
LEAD_CANCELLED = "Listo, no guardé ningún dato de esta solicitud."
ADVISOR_TOPIC = "Asesoría general"
STAFF_NEW_LEAD = (
    "🆕 Nuevo interesado {reference}\n"
    "Tema: {topic}\n"
    "Región: {region} · Rubro: {sector}\n"
    "Nombre: {name} · Celular: {phone}\n"
    "Negocio: {business} · RUC: {ruc}\n"
    "Origen: {source}"
)
STAFF_STATUS_LABELS = {
    "contactado": "📞 Contactado",
    "en_proceso": "⏳ En proceso",
    "cerrado": "✅ Cerrado",
    "descartado": "🗑 Descartado",
}
STAFF_STATUS_CHANGED = "{reference}: estado cambiado a «{status}»."
STAFF_LEAD_MISSING = "Ese interesado ya no existe."

# --- staff ---------------------------------------------------------------------------

STAFF_ONLY = "Este comando es solo para el equipo de PRODUCE y los CITE."
STAFF_PRIVATE_ONLY = (
    "Por la privacidad de los interesados, las herramientas del equipo funcionan solo en un "
    "chat privado conmigo o en el chat del equipo."
)
MY_DATA_PRIVATE_ONLY = (
    "Por su privacidad, sus datos solo se los muestro en un chat privado conmigo. "
    "Escríbame directamente y use /mis_datos."
)
LEAD_PRIVATE_ONLY = (
    "Para dejar su celular y que el equipo le contacte, escríbame en un chat privado: "
    "aquí lo verían todos los miembros del grupo."
)
LEADS_SUMMARY_TITLE = "📊 Interesados registrados: {total}"
LEADS_BY_STATUS = "Por estado:"
LEADS_BY_REGION = "Por región:"
LEADS_BY_CITE = "Por CITE:"
LEADS_NONE = "Todavía no hay interesados registrados."
EXPORT_CAPTION = "Interesados ({count}). Ábralo con Excel."

# --- deleting one's data --------------------------------------------------------------

DELETE_CONFIRM = (
    "¿Seguro que quiere borrar sus datos? Borraré sus preguntas, sus opiniones, su suscripción "
    "y su celular, nombre, negocio y RUC de las solicitudes de contacto, también en los mensajes "
    "que recibió el equipo (esas solicitudes quedan sin datos personales, solo para "
    "estadística). No se puede deshacer."
)
BUTTON_DELETE = "🗑 Sí, borrar mis datos"
BUTTON_KEEP = "No, conservarlos"
DELETED = "Listo: borré sus datos personales. Si vuelve a escribirme, empezaremos de cero."
DELETE_KEPT = "De acuerdo, no borré nada."
MY_DATA_LEADS = "• Solicitudes de contacto:"
MY_DATA_LEAD = (
    "   – {reference} · {topic} · {status} · cel. {phone} · negocio: {business} · RUC: {ruc}"
)
MY_DATA_QUESTIONS = "• Preguntas guardadas: {count}"
MY_DATA_QUESTIONS_SHOWN = "• Sus últimas preguntas guardadas ({shown} de {count}):"
MY_DATA_QUESTION = "   – {date}: {text}"
MY_DATA_QUESTIONS_NOTE = (
    "   (Antes de guardarlas quito los celulares, RUC, DNI y correos que aparezcan en ellas.)"
)
MY_DATA_FOOTER = "Para borrar todo, toque el botón o escriba /borrar_mis_datos."
MY_DATA_NONE = (
    "No guardo ningún dato sobre usted: ni preguntas, ni solicitudes de contacto, ni "
    "suscripción. Si me escribe una consulta, guardaré la pregunta (sin celulares ni documentos) "
    "para mejorar las respuestas; puede verla y borrarla aquí cuando quiera."
)
BUTTON_DELETE_MY_DATA = "🗑 Borrar mis datos"
DELETE_STALE = (
    "Ese botón de confirmación ya no está vigente, así que no borré nada todavía. "
    "Si quiere borrar sus datos, confírmelo otra vez:"
)
DELETED_NOTHING = "No tenía datos suyos guardados, así que no hubo nada que borrar."
STAFF_LEAD_ERASED = "🗑 Interesado {reference}: datos eliminados a pedido del titular."
ERASED_TOPIC = "(datos eliminados a pedido del titular)"

RELOADED = "Base de conocimiento recargada: {entries} entradas (versión {digest})."
RELOAD_REFUSED = "No recargué: la base editada tiene {count} error(es) y sigo usando la versión anterior.\n{problems}"
RELOAD_UNAVAILABLE = "La recarga no está disponible en este modo."

# --- announcements (/anunciar) ---------------------------------------------------------

ANNOUNCE_COMPOSE = (
    "Envíeme el texto del anuncio, o una foto con su descripción. "
    "Le mostraré cómo lo verán antes de enviarlo. /cancelar para salir."
)
ANNOUNCE_NEEDS_TEXT = "El anuncio necesita texto: envíe el texto, o la foto con una descripción."
ANNOUNCE_PREVIEW = "👆 Así lo recibirán. Destinatarios: {count} ({segment})."
ANNOUNCE_ALL = "todos los suscriptores"
ANNOUNCE_TEST = "🧪 Enviármelo de prueba"
ANNOUNCE_REGION = "🌎 Elegir región"
ANNOUNCE_SECTOR = "🏭 Elegir rubro"
ANNOUNCE_SEND = "✅ Enviar a {count}"
ANNOUNCE_CANCEL = "Cancelar"
ANNOUNCE_PICK_REGION = "¿A qué región va el anuncio?"
ANNOUNCE_PICK_SECTOR = "¿A qué rubro va el anuncio?"
ANNOUNCE_CREATED = "Campaña {id} creada para {total} personas. Le mostraré el avance aquí."
ANNOUNCE_NOBODY = "No hay suscriptores en ese segmento: no se creó ninguna campaña."
ANNOUNCE_ALREADY = (
    "Ese anuncio ya se está enviando como campaña {id} ({total} personas): no creé otra, "
    "así nadie lo recibe dos veces."
)
ANNOUNCE_CANCELLED = "Anuncio descartado: no se envió nada."
ANNOUNCE_STATUS = "Campaña {id}: {status}."
ANNOUNCE_CANNOT = "No se puede cambiar la campaña {id} en su estado actual."
ANNOUNCE_PAUSE = "⏸ Pausar"
ANNOUNCE_RESUME = "▶ Reanudar"
ANNOUNCE_STOP = "✖ Cancelar envío"
ANNOUNCE_PROGRESS = "📣 Campaña {id}: {percent:.0f}% · enviados {sent} · bloqueados {blocked} · fallidos {failed} · pendientes {pending} de {total}{quiet}"
ANNOUNCE_DONE = "📣 Campaña {id} terminada: enviados {sent} · bloqueados {blocked} · fallidos {failed} · sin confirmar {unknown} de {total}."
ANNOUNCE_QUIET = " · en pausa por horario hasta las {time}"

SORRY = "Disculpe, tuve un problema para atenderle. Por favor, intente de nuevo en un momento."

# -- conversation acts and context (issue 14) -------------------------------------------

GREETING_AGAIN = "¡Hola de nuevo! 👋 ¿En qué le ayudo? Escriba su pregunta o toque «Menú»."
ACK = "👍 Entendido. ¿Le ayudo con algo más? Escriba su pregunta o toque «Menú»."
NO_ACK = "De acuerdo. Si necesita algo más, aquí estoy: escriba su pregunta o toque «Menú»."
NO_OPTIONS = "Ahora no tengo opciones numeradas en pantalla. Estas son las del menú:"
PICK_OUT_OF_RANGE = "No tengo la opción {number}. Elija una de estas (del 1 al {count}):"
BACK_NOTHING = "No hay un paso anterior. Le muestro el menú:"
ADVISOR_ABOUT = "Asesoría sobre {topic}"
FRUSTRATION = (
    "Disculpe, no le estoy ayudando como debería. 🙏 Puede escribir su pregunta con otras "
    "palabras, elegir una opción del menú, o pedir que una persona del equipo le contacte."
)
FOREIGN_EN = (
    "Por ahora atiendo solo en español. (Sorry, for now I can only answer in Spanish.) "
    "Si prefiere, una persona del equipo puede contactarle."
)
FOREIGN_QU = (
    "Por ahora atiendo solo en castellano. Si prefiere, una persona del equipo puede contactarle."
)
UNDERSTOOD_ABOUT = "Sobre {topic}:"
CITE_OFFER = "Por lo que me cuenta de su negocio ({business}), también puedo sugerirle los CITE que le sirven."
BUTTON_CITE_OFFER = "🏭 Ver CITE para mi negocio"
CITE_KNOWN_PROFILE = "Para su negocio de {sector} en {region}, ¿qué necesita?"
BUTTON_CHANGE_PROFILE = "Cambiar rubro o región"
CAPTION_READ = "📷 Leí el texto de su imagen (la imagen en sí todavía no la puedo ver)."
LOCATION_REGION = (
    "📍 Gracias. Por su ubicación, la capital regional más cercana es {capital} ({region}). "
    "Solo guardo la región, no su ubicación exacta."
)
PHONE_KNOWN = (
    "¿Le contactamos al mismo número que nos dio antes, {phone}? Si prefiere otro, "
    "escríbalo o toque «Usar otro número»."
)
PHONE_NEEDED = (
    "Para que le contacten necesito su número de celular: escríbalo (por ejemplo, "
    "987 654 321) o toque «Compartir mi número». Si prefiere no darlo, escriba «cancelar» "
    "y no guardo nada."
)
BUTTON_SAME_PHONE = "✅ Sí, ese número"
BUTTON_OTHER_PHONE = "Usar otro número"
WHY_WE_ASK = (
    "Su número solo se usa para que una persona del equipo de PRODUCE o del CITE le llame o "
    "escriba sobre «{topic}», porque usted lo pidió. No se usa para publicidad ni se comparte "
    "con nadie más, y puede borrarlo cuando quiera con /borrar_mis_datos."
)

# -- answers: CITE cards and honest gaps (issue 15) ---------------------------------------

ITP_URL = "https://www.gob.pe/itp"
CARD_TITLE_SHORT = "🏭 {short}"
CARD_PLACE = "📍 {place}"
CARD_LOCATION = "Según las fuentes: {location}"
CARD_ALIASES = "También llamado: {names}"
CARD_CHAINS = "Cadenas: {chains}"
CARD_STATUS = "⚠️ Estado: {status}. Confírmelo con el ITP antes de ir."
CARD_SERVICES = "Servicios:"
CARD_SERVICE = "• {name}: {text}"
CARD_FACTS = "Datos:"
CARD_CIRCULAR_LEGEND = "♻️ = servicio de economía circular."
CARD_UNVERIFIED = "Por confirmar:"
CARD_GAP = (
    "No tengo {what} de este CITE en mis fuentes. Consulte la página oficial del ITP: {url}\n"
)
# A question asks for a datum the chosen entry does not hold: say so first.
GAP_INTRO = "No tengo {what} en mis fuentes verificadas. Esto es lo que sí sé:\n\n"
GAP_YEAR = "las cifras de {year}"
CARD_MORE_HINT = "Tengo más datos de este CITE: pregúnteme por un servicio o una cifra en concreto."
CARD_GENERAL_SERVICES = "{names} (oferta general de la red CITE: confírmela con el CITE)."
CARD_OFFICIAL = "Nombre oficial: {name}"
RUMOUR_INTRO = "Esto es lo que dicen las fuentes:\n\n"

# -- handoff and lead pipeline (issue 16) ------------------------------------------------

BUTTON_PERSON = "🙋 Hablar con una persona"
MENU_PERSON = "🙋 Hablar con una persona"
BUTTON_END_HANDOFF = "Terminar la conversación"
HANDOFF_OPENED = (
    "Listo, le comuniqué con el equipo de PRODUCE y los CITE. Escriba aquí su consulta "
    "(también puede enviar fotos, documentos o audios) y una persona le responderá en este "
    "chat. Para volver al bot, toque «Terminar la conversación» o escriba /cancelar."
)
HANDOFF_ALREADY_OPEN = (
    "Ya está conversando con el equipo: escriba aquí y una persona le responderá. "
    "Para volver al bot, toque «Terminar la conversación»."
)
HANDOFF_OUTSIDE_HOURS = (
    "Nuestro equipo atiende {hours} (hora de Lima), así que ahora no hay nadie conectado. "
    "Una persona podrá responderle {when}. Si deja su celular, le contactarán:"
)
HANDOFF_NO_STAFF_CHAT = (
    "Por este medio no puedo comunicarle con una persona en este momento. "
    "Si deja su celular, el equipo de PRODUCE o del CITE le contactará:"
)
HANDOFF_PRIVATE_ONLY = (
    "Para conversar con una persona del equipo, escríbame en un chat privado: aquí lo verían "
    "todos los miembros del grupo."
)
HANDOFF_IN_PROGRESS = (
    "Está conversando con una persona del equipo. Escriba su mensaje aquí, o toque "
    "«Terminar la conversación» para volver al bot."
)
HANDOFF_ENDED_BY_OWNER = "Listo, terminó la conversación con el equipo. ¿Cómo le atendimos?"
HANDOFF_ENDED_BY_STAFF = (
    "{name} dio por terminada la conversación. ¡Gracias por escribirnos! ¿Cómo le atendimos?"
)
HANDOFF_RATE_PROMPT = "Toque de 1 (mal) a 5 (muy bien). Después puede seguir usando el bot: /menu"
HANDOFF_RATED = "¡Gracias por su calificación! Aquí sigo para lo que necesite."
HANDOFF_RATED_ALREADY = "Ya recibimos su calificación. ¡Gracias!"
HANDOFF_FROM_STAFF = "👤 {name}: {text}"
HANDOFF_FROM_STAFF_CAPTION = "👤 {name}"
HANDOFF_ADVISOR = "asesor(a)"

STAFF_HANDOFF_TOPIC = "{name} · {sector} · {region}"
STAFF_HANDOFF_HEADER = (
    "🙋 {name} pide hablar con una persona ({when}).\n"
    "Rubro: {sector} · Región: {region} · Origen: {source}\n"
    "Interesados abiertos: {leads} · Atenciones anteriores: {past}\n"
    "Últimas consultas:\n{exchanges}\n\n"
    "Responda en este tema y le llegará con su nombre. /nota TEXTO es interna (no le llega); "
    "➕ responda a una de sus respuestas con /sugerir para proponerla a la base de conocimiento; "
    "/cerrar termina la conversación."
)
STAFF_HANDOFF_HEADER_GROUP = (
    "🙋 {name} pide hablar con una persona ({when}).\n"
    "Rubro: {sector} · Región: {region} · Origen: {source}\n"
    "Interesados abiertos: {leads} · Atenciones anteriores: {past}\n"
    "Últimas consultas:\n{exchanges}\n\n"
    "Responda a este mensaje (o a uno de {name}) y le llegará con su nombre. Responda con "
    "/nota TEXTO para una nota interna, con /sugerir a una respuesta suya para proponerla a la "
    "base de conocimiento, o con /cerrar para terminar."
)
STAFF_HANDOFF_EXCHANGE = "• «{question}» → {reply}"
STAFF_HANDOFF_NO_EXCHANGES = "• (ninguna)"
STAFF_HANDOFF_NO_LEADS = "ninguno"
STAFF_HANDOFF_REPLY_ANSWER = "respondí «{title}»"
STAFF_HANDOFF_REPLY_KINDS = {
    "fallback": "no supe responder",
    "suggestions": "le ofrecí temas parecidos",
    "cites": "le sugerí CITE",
    "greeting": "le saludé",
}
STAFF_HANDOFF_FROM_OWNER = "💬 {name}: {text}"
STAFF_HANDOFF_FROM_OWNER_CAPTION = "💬 {name}"
STAFF_HANDOFF_SUGGESTED = "Guardado como sugerencia para la base de conocimiento."
STAFF_HANDOFF_SUGGESTED_ALREADY = "Esa respuesta ya estaba sugerida."
STAFF_HANDOFF_SUGGEST_EMPTY = (
    "Para sugerir una respuesta a la base de conocimiento, responda a su mensaje con /sugerir "
    "(solo respuestas con texto)."
)
STAFF_HANDOFF_NOTE_SAVED = "📝 Nota interna guardada: no se envió a {name}."
STAFF_HANDOFF_NOTE_EMPTY = "Escriba la nota después del comando: /nota TEXTO"
STAFF_HANDOFF_CLOSED_BY_STAFF = (
    "✅ {staff} cerró la conversación con {name}. Se le pidió calificarla."
)
STAFF_HANDOFF_CLOSED_BY_OWNER = "✅ {name} terminó la conversación."
STAFF_HANDOFF_PAST = "{count} (última calificación: {rating})"
STAFF_HANDOFF_NO_RATING = "sin calificar"
STAFF_HANDOFF_NOT_OPEN = "Esta conversación ya está cerrada: el mensaje no se envió a nadie."
STAFF_HANDOFF_BLOCKED = (
    "⚠️ {name} bloqueó el bot: el mensaje no le llegó. La conversación quedó cerrada."
)
STAFF_HANDOFF_REMINDER = (
    "⏰ {name} espera respuesta desde hace más de {minutes} minutos. ¿Alguien puede atenderle?"
)
STAFF_HANDOFF_COMMAND_OUTSIDE = (
    "Use /cerrar y /nota dentro del tema (o en respuesta a un mensaje) de la conversación."
)
STAFF_HANDOFF_ERASED_TOPIC = "Datos eliminados a pedido del titular"
MY_DATA_HANDOFFS = (
    "• Conversaciones con el equipo: {handoffs} ({messages} mensajes y notas guardados; "
    "los últimos, tal como se guardaron):"
)
MY_DATA_HANDOFF_MESSAGE = "  – {date} {who}: {text}"
MY_DATA_HANDOFF_YOU = "usted"

BUTTON_TAKE_LEAD = "🙋 Lo tomo yo"
STAFF_CARD_STATUS = "Estado: {status} · {by} · {when}"
STAFF_CARD_ASSIGNED = "A cargo de: {name}"
STAFF_CARD_NOTES = "Notas:"
STAFF_CARD_NOTE = "• {when} {by}: {note}"
STAFF_CARD_HISTORY = "Historial:"
STAFF_CARD_EVENT_STATUS = "• {when} {by}: {status}"
STAFF_CARD_EVENT_ASSIGNED = "• {when} {by} lo tomó"
STAFF_LEAD_TAKEN = "{reference}: queda a su cargo."
STAFF_LEAD_TAKEN_ALREADY = "{reference} ya está a cargo de {name}."
STAFF_LEADS_OPEN = "Abiertos, los más recientes primero (página {page} de {pages}):"
STAFF_LEADS_OPEN_NONE = "No hay interesados abiertos."
STAFF_LEADS_LINE = "{reference} · {topic} · {region} · {status}{assigned}"
STAFF_LEADS_LINE_ASSIGNED = " · a cargo de {name}"
STAFF_NOTE_USAGE = (
    "Uso: /nota L-ABC123 texto de la nota (se guarda en el historial del interesado)."
)
STAFF_NOTE_UNKNOWN = (
    "No encontré el interesado {reference}. Revise el código (por ejemplo L-ABC123)."
)
STAFF_NOTE_SAVED = "📝 Nota guardada en {reference}."
STAFF_SOMEONE = "alguien del equipo"
EXPORT_UNDERSTOOD = "No hay interesados con esos filtros. Entendí: {filters}."
EXPORT_FILTER_SINCE = "desde el {date}"
EXPORT_FILTER_UNTIL = "hasta el {date}"
EXPORT_FILTER_STATUS = "estado «{status}»"
EXPORT_FILTER_REGION = "región {region}"
EXPORT_FILTER_CITE = "CITE {cite}"
EXPORT_BAD_DATE = "No entendí la fecha «{value}». Escríbala como 01/12/2026 o 2026-12-01."
EXPORT_BAD_REGION = (
    "No reconocí la región «{value}». Escríbala como en el mapa, p. ej. region=La Libertad."
)
EXPORT_BAD_STATUS = "El estado «{value}» no existe; use uno de: {statuses}."
EXPORT_HOW = (
    "Uso: /exportar [desde=01/12/2026] [hasta=31/12/2026] [estado=nuevo] [region=La Libertad] "
    "[cite=citeccal-lima]"
)

# -- insights and review (issue 17)
REVIEW_EMPTY = "No hay preguntas pendientes de revisión. 🎉"
REVIEW_INTRO = (
    "Preguntas que no entendí, las más frecuentes primero ({count}). Elija qué hacer con cada una:"
)
REVIEW_ITEM = "«{wording}»\n{count} {times} · {first} – {last}{others}{source}"
REVIEW_TIMES = ("vez", "veces")
REVIEW_OTHERS = " · y {count} forma(s) parecida(s)"
REVIEW_SOURCE_HANDOFF = "\n(sugerida por el equipo en una conversación)"
REVIEW_LIKELY = "Entradas más probables:"
REVIEW_NO_LIKELY = "Ninguna entrada se parece."
BUTTON_REVIEW_ENTRY = "✅ Es esta: {title}"
BUTTON_REVIEW_NEW = "📝 Nueva entrada"
BUTTON_REVIEW_IGNORE = "🙈 Ignorar"
REVIEW_LEARNED = (
    "✅ Listo: «{wording}» queda como otra forma de preguntar «{title}». Todas las "
    "instancias del bot la usarán tras la próxima recarga (en unos segundos)."
)
REVIEW_DRAFTED = (
    "📝 Adjunto el borrador de la nueva entrada con estas preguntas. Complete la respuesta y "
    "la fuente, y guárdelo en knowledge/entries/."
)
REVIEW_IGNORED = "🙈 Ignorada: «{wording}» no volverá a aparecer en la revisión."
REVIEW_ALREADY = "Esta pregunta ya fue revisada."
STATS_CAPTION = "📊 Uso del bot, últimos 30 días ({since} – {until})."
OUTDATED_LINE = "⚠️ Esta información puede estar desactualizada (vigente hasta el {date}; revisada el {reviewed})."
FINANCE_CLOSED_NOTE = (
    "Los marcados con {mark} son programas ya cerrados: se explican solo como referencia."
)
FINANCE_CLOSED_PREFIX = "🔒 "
DIGEST_TITLE = "🗓️ Resumen semanal del bot ({since} – {until})"
DIGEST_FIGURES = (
    "Conversaciones: {conversations} · preguntas: {questions} (respondidas {answered}, "
    "con sugerencias {suggested}, sin respuesta {declined})\n"
    "👍 {useful} · 👎 {useless} · interesados nuevos: {leads} · derivaciones: {handoffs}"
)
DIGEST_HEALTH = "Salud del contenido:"
DIGEST_EXPIRED = "• Vencidas ({count}): {items}"
DIGEST_STALE = "• Sin revisar hace más de 180 días ({count}): {items}"
DIGEST_DISLIKED = "• Con más 👎: {items}"
DIGEST_CLUSTERS = "• Lo más preguntado sin respuesta: {items}"
DIGEST_NOTHING = "nada"
DIGEST_FOOTER = "Revise las pendientes con /pendientes y vea los gráficos con /estadisticas."
# `mypebot chat --explain` / `ask --explain`: why a reply was chosen (for curators).
EXPLAIN_EVENT = "🔎 {kind}: {what}"
EXPLAIN_KINDS = {
    "text": "mensaje",
    "command": "comando",
    "button": "botón",
    "media": "archivo",
    "location": "ubicación",
    "contact": "contacto",
}
EXPLAIN_ACT = "   acto: {act} ({rule})"
EXPLAIN_OPTION = "   opción: «{label}» → {data} ({rule})"
EXPLAIN_OPTION_NONE = "   opción: ninguna ({rule})"
EXPLAIN_REGION = "   región escrita: {region} ({rule})"
EXPLAIN_TOPIC = "   tema: {topic} ({rule})"
EXPLAIN_TOPIC_NONE = "   tema: ninguno ({rule})"
EXPLAIN_BUSINESS = (
    "   negocio: rubro {sector} · región {region} · necesidades {needs}{cue} ({rule})"
)
EXPLAIN_BUSINESS_CUE = " · lo dice como suyo"
EXPLAIN_OWN_CITE = "   pide «un CITE para mí»: sí (acts.asks_for_own_cite)"
EXPLAIN_QUESTION = "   pregunta al motor: «{question}» ({rule})"
EXPLAIN_QUESTION_NONE = "   pregunta al motor: ninguna ({rule})"
EXPLAIN_ANSWER = "   el motor halló: {kind}{entry}{score}"
EXPLAIN_ROUTE = "   respondió: {route}"
EXPLAIN_NO_ROUTE = "   respondió: nadie (no se envió nada)"
