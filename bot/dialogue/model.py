"""The values the dialogue takes and returns; no platform types here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

EventKind = Literal["text", "button", "contact", "command", "media"]


@dataclass(frozen=True)
class UserRef:
    id: int
    first_name: str | None = None


@dataclass(frozen=True)
class Event:
    """Something the user did: typed, pressed, shared, or sent unsupported media."""

    user: UserRef
    kind: EventKind
    text: str = ""
    command: str = ""  # without the slash, lower case
    payload: str = ""  # /start payload or a command's arguments
    data: str = ""  # button payload
    phone: str = ""  # shared contact
    contact_is_own: bool = True
    media: str = ""  # voice, photo, sticker, location, document, video, ...
    photo: str = ""  # a photo's platform file id (its caption comes in `text`)
    update_id: int | None = None  # set by adapters whose platform may redeliver
    chat_id: int | None = None  # where it happened, when the platform has chats
    private: bool = True  # a one-to-one chat: the only place personal data is shown

    def without_nul(self) -> Event:
        """The same event without U+0000, which PostgreSQL cannot store in a text column.

        SQLite takes it, so a NUL in a question, a business name or a /start payload
        failed the whole turn on one backend only.
        """
        names = ("text", "command", "payload", "data", "phone", "media", "photo")
        fields: dict[str, object] = {
            n: getattr(self, n).replace("\x00", "") for n in names if "\x00" in getattr(self, n)
        }
        if self.user.first_name and "\x00" in self.user.first_name:
            fields["user"] = replace(self.user, first_name=self.user.first_name.replace("\x00", ""))
        return replace(self, **fields) if fields else self  # type: ignore[arg-type]


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str = ""


@dataclass
class Reply:
    """One message to show. Buttons are rows of inline choices."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    request_contact: bool = False
    remove_keyboard: bool = False
    document: Document | None = None
    photo: str | None = None  # a platform file id: the text becomes the photo's caption
    notice: str = ""  # short toast for a pressed button (Telegram's answerCallbackQuery)


@dataclass(frozen=True)
class StaffEdit:
    """Rewrite a message already in the staff chat (its buttons are removed)."""

    chat_id: int
    message_id: int
    text: str


@dataclass
class Outcome:
    """Everything one event produced: replies to the user, and what staff must see.

    Staff notices are not here: they are stored with what they announce (the
    outbox, storage/outbox.py) and sent by a worker; `staff_notices` counts the
    ones this event stored, so the adapter can wake the worker at once.
    """

    replies: list[Reply] = field(default_factory=list)
    staff_notices: int = 0
    staff_edits: list[StaffEdit] = field(default_factory=list)
