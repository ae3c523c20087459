"""Everything the broadcast feature says, in Spanish, and the exact text recipients read.

`render` is the single place the unsubscribe footer is added: the CLI preview
and every send call it, so what staff approve is byte for byte what people get.
"""

from __future__ import annotations

from bot.message_length import utf16_length

# --- what recipients read -----------------------------------------------------------

FOOTER = "\n\n—\nPara dejar de recibir estos mensajes, escriba /baja."

#: Telegram's limits, in UTF-16 code units (how Telegram counts characters).
MAX_TEXT = 4096
MAX_CAPTION = 1024


def render(text: str) -> str:
    """The announcement as recipients will see it: the text, then how to unsubscribe."""
    return text.strip() + FOOTER


def length_problem(rendered: str, with_photo: bool) -> str | None:
    """A Spanish line when the rendered announcement is too long to send, else None."""
    limit = MAX_CAPTION if with_photo else MAX_TEXT
    length = utf16_length(rendered)
    if length <= limit:
        return None
    hint = " (con foto, el texto va como leyenda de la imagen)" if with_photo else ""
    return TOO_LONG.format(length=length, limit=limit, hint=hint)


# --- names of statuses ----------------------------------------------------------------

CAMPAIGN_STATUS = {
    "running": "en curso",
    "paused": "en pausa",
    "cancelled": "cancelada",
    "done": "terminada",
}
DELIVERY_STATUS = {
    "sent": "enviados",
    "blocked": "bloquearon el bot",
    "failed": "fallidos",
    "unknown": "posible envío interrumpido",
    "pending": "pendientes",
    "sending": "enviándose",
}

# --- staff: the command line --------------------------------------------------------------

PREVIEW_HEADER = "Vista previa (no se envía ni se guarda nada). Así lo recibirán:"
PREVIEW_RULE = "─" * 40
PREVIEW_PHOTO = "Con foto: {photo}"
PREVIEW_COUNT = "Destinatarios: {count}{segment}."
SEGMENT_ALL = " (todos los suscriptores)"
SEGMENT_REGION = "región {region}"
SEGMENT_SECTOR = "sector {sector}"
NO_RECIPIENTS = (
    "No hay suscriptores{segment}; no se creó la campaña. "
    "Revise --region y --sector (use los ids, p. ej. arequipa)."
)
CREATED = "Campaña {id} creada: {total} destinatarios."
TOO_LONG = "El anuncio es demasiado largo: {length} caracteres con el pie de baja; el máximo es {limit}{hint}."
TEXT_FILE_MISSING = "No encuentro el archivo {path}."
TEXT_FILE_EMPTY = "El archivo {path} está vacío: escriba el anuncio y vuelva a intentarlo."
TEXT_FILE_NOT_UTF8 = (
    "El archivo {path} no está en UTF-8: guárdelo como UTF-8 y vuelva a intentarlo."
)
PHOTO_INVALID = "La foto «{photo}» no es un archivo ni un file_id de Telegram."
PHOTO_TOO_BIG = "La foto {path} pesa más de 10 MB, el máximo de Telegram para fotos."
PHOTO_NOT_IMAGE = "El archivo {path} no parece una imagen (use JPG, PNG o WEBP)."
PHOTO_PATH_TOO_LONG = "La ruta de la foto es demasiado larga (más de 256 caracteres): muévala a una carpeta más corta."
NOT_FOUND = "No existe la campaña {id}."
NO_CAMPAIGNS = "Todavía no hay campañas."
TRANSITION_REFUSED = "La campaña {id} está {status}: no se puede {action}."
ACTION = {"running": "reanudar", "paused": "pausar", "cancelled": "cancelar"}
ALREADY_DONE = "La campaña {id} ya terminó."
PAUSED = "Campaña {id} en pausa. Para continuar: mypebot broadcast resume {id}"
CANCELLED = "Campaña {id} cancelada: los {pending} envíos pendientes no se harán."
WAITING_LEASE = "Otro proceso tenía la campaña {id}; espero hasta las {time} a que se libere…"
STILL_BUSY = (
    "Otro proceso está enviando la campaña {id} ahora mismo; no hago nada. "
    "Vea su avance con: mypebot broadcast status {id}"
)
INTERRUPTED = (
    "Detenido. La campaña {id} quedó en pausa; para continuar: mypebot broadcast resume {id}"
)
DB_UNAVAILABLE = (
    "No pude usar la base de datos ({error}). Revise DATABASE_URL y que el servidor esté en marcha."
)
UNEXPECTED = (
    "Algo salió mal ({error}). Vuelva a intentarlo; si se repite, ejecute con "
    "LOG_LEVEL=DEBUG y comparta el detalle con el equipo técnico."
)
DB_NOT_CURRENT = (
    "La base de datos no está al día: ejecute «mypebot db upgrade» y vuelva a intentarlo."
)
PROGRESS_LABEL = {
    "sent": "enviados",
    "blocked": "bloqueados",
    "failed": "fallidos",
    "unknown": "interrumpidos",
}
QUIET_UNTIL = "horario de silencio: sigo a las {time} (hora de Lima)"
LIST_HEADER = "  N.º  estado      creada            segmento                    enviados / total"
LIST_ROW = "{id:>5}  {status:<10}  {created:<16}  {segment:<26}  {sent:>8} / {total}"
STATUS_TITLE = "Campaña {id} · {status}"
STATUS_CREATED = "  creada: {created} · segmento: {segment}"
STATUS_FINISHED = "  terminó: {finished}"
STATUS_WORKER = "  la envía: {owner} (hasta las {until})"
STATUS_TEXT = "  texto: {preview}"
STATUS_PROGRESS = "  avance: {done}/{total}"
STATUS_REASONS = "  motivos de los fallos:"
STATUS_REASON = "    {count} × {reason}"
UNKNOWN_NOTE = (
    "  Nota: en {count} caso(s) un corte interrumpió el envío y no sabemos si llegó; "
    "no se reenvía para que nadie reciba el anuncio dos veces."
)
UNKNOWN_IDS = "    usuarios: {ids}"

# --- run outcomes -----------------------------------------------------------------------------

OUTCOME = {
    "done": "Campaña {id} terminada.",
    "paused": "Campaña {id} en pausa. Para continuar: mypebot broadcast resume {id}",
    "cancelled": "Campaña {id} cancelada.",
    "busy": STILL_BUSY,
    "lease_lost": "Otro proceso tomó la campaña {id}; este se detuvo sin enviar más.",
    "not_running": "La campaña {id} no está en curso ({status}).",
    "too_many_failures": (
        "Campaña {id} en pausa: {failures} envíos seguidos fallaron ({reason}). "
        "Revise el anuncio y la foto, y reanude con: mypebot broadcast resume {id}"
    ),
    "stopped": INTERRUPTED,
}
REPORT_COUNT = "  {label}: {count}"
REPORT_SPEED = "  duración: {duration} · {rate:.1f} envíos por segundo"
REPORT_FLOOD = "  pausas por límite de Telegram (429): {count}"
REPORT_QUIET = "  en pausa por horario de silencio: {duration}"

# --- the Telegram sender ------------------------------------------------------------------

TOKEN_REFUSED = "Telegram rechazó el token del bot: revise TELEGRAM_BOT_TOKEN."
TELEGRAM_UNREACHABLE = (
    "No pude conectar con Telegram ({error}). Revise la conexión y TELEGRAM_BASE_URL."
)
