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
MORE_SOURCES = "(y {count} fuente(s) más)"
REVIEWED_LINE = "Revisado el {date}."
SEE_MORE_HINT = "Hay más detalle: toque «Ver más»."

SUGGESTIONS_INTRO = "No estoy seguro de haberle entendido. ¿Quiso decir…?"
SUGGESTIONS_NONE = "Ninguna de estas"

FALLBACK = (
    "Disculpe, sobre eso no tengo información confiable y prefiero no adivinar. "
    "Puedo ayudarle con economía circular, ProInnóvate, MYPE Sostenible y los CITE. "
    "Si lo desea, una persona del equipo puede contactarle: toque «Hablar con un asesor»."
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
    "si lo desea, toque «Hablar con un asesor» en el menú."
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
EXPORT_USAGE = (
    "Uso: /exportar [desde=AAAA-MM-DD] [hasta=AAAA-MM-DD] [estado=nuevo] [region=arequipa] "
    "[cite=citeccal-lima]"
)

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
PERSON_INTRO = (
    "Con gusto le paso con una persona del equipo de PRODUCE. Para que le contacten, "
    "primero necesito su permiso:"
)
PERSON_GROUP = (
    "Para que una persona le contacte, escríbame por privado: aquí en el grupo no pido "
    "números de teléfono."
)
BUTTON_PERSON = "🙋 Hablar con una persona"
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
BUTTON_SAME_PHONE = "✅ Sí, ese número"
BUTTON_OTHER_PHONE = "Usar otro número"
WHY_WE_ASK = (
    "Su número solo se usa para que una persona del equipo de PRODUCE o del CITE le llame o "
    "escriba sobre «{topic}», porque usted lo pidió. No se usa para publicidad ni se comparte "
    "con nadie más, y puede borrarlo cuando quiera con /borrar_mis_datos."
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
FINANCE_CLOSED = "Programas ya cerrados (solo como referencia):"
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
