"""The values the dialogue takes and returns; no platform types here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

EventKind = Literal["text", "button", "contact", "command", "media", "location"]


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
    latitude: float | None = None  # a shared location (kind "location")
    longitude: float | None = None
    update_id: int | None = None  # set by adapters whose platform may redeliver
    chat_id: int | None = None  # where it happened, when the platform has chats
    private: bool = True  # a one-to-one chat: the only place personal data is shown
    message_id: int | None = None  # the message's id in its chat (a handoff copies it)
    thread_id: int | None = None  # the forum topic it was written in
    reply_to: int | None = None  # the message it answers, in the same chat

    def without_nul(self) -> Event:
        """The same event without U+0000 or lone surrogates, which no database stores.

        PostgreSQL refuses U+0000 in a text column (SQLite takes it), so a NUL in a
        question, a business name or a /start payload failed the whole turn on one
        backend only; a lone surrogate (JSON may carry "\\ud800") cannot be encoded
        as UTF-8 at all. Both are replaced before anything reads the event.
        """
        names = ("text", "command", "payload", "data", "phone", "media", "photo")
        fields: dict[str, Any] = {
            n: _storable(getattr(self, n)) for n in names if _unstorable(getattr(self, n))
        }
        if self.user.first_name and _unstorable(self.user.first_name):
            fields["user"] = replace(self.user, first_name=_storable(self.user.first_name))
        return replace(self, **fields) if fields else self


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return "\x00" in text or _SURROGATE.search(text) is not None


def _storable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


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
    # A platform file id, or a picture's bytes (PNG): the text becomes the photo's caption.
    photo: str | bytes | None = None
    notice: str = ""  # short toast for a pressed button (Telegram's answerCallbackQuery)
    kind: str = ""  # what the reply is ("answer", "fallback", "menu", …): for evaluation only


@dataclass(frozen=True)
class StaffEdit:
    """Rewrite a message already in the staff chat (with `buttons`, or none)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[Button]] = field(default_factory=list)  # kept on an edited lead card


@dataclass(frozen=True)
class Post:
    """A message the handoff sends to another chat than the event's (staff topic or owner).

    With `copy_of` (chat id, message id) the original is copied (a photo stays a
    photo), `text` replacing its caption when given; otherwise `text` is sent. When
    `handoff_id` is set, the adapter reports where it landed (Dialogue.relayed), so
    a reply to it can be relayed back and erasure can find it.
    """

    chat_id: int
    text: str = ""
    thread_id: int | None = None
    copy_of: tuple[int, int] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    handoff_id: int | None = None
    direction: str = ""  # in | out | header | note (see storage.models.HandoffMessage)
    user_id: int | None = None  # the owner it is about
    source_message_id: int | None = None
    staff_name: str | None = None
    stored_text: str = ""  # what the transcript keeps (redacted)
    to_owner: bool = False  # a refusal (403) means the owner blocked the bot


@dataclass(frozen=True)
class TopicChange:
    """Open (create or reopen and rename), or close, the owner's forum topic.

    On "open" with no `thread_id` the adapter creates the topic and reports it
    (Dialogue.topic_ready); `header` is posted in it first, then `posts`.
    """

    action: Literal["open", "close", "rename", "delete"]
    chat_id: int
    handoff_id: int
    thread_id: int | None = None
    name: str = ""
    header: str = ""
    header_group: str = ""  # the header for a chat that proves not to be a forum
    forum: bool = True  # False: the staff chat is known not to be a forum
    rename: bool = True  # a reopened topic whose name (sector, region) changed


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
    topics: list[TopicChange] = field(default_factory=list)  # opened before the posts, closed after
    posts: list[Post] = field(default_factory=list)
    staff_deletions: list[tuple[int, int]] = field(default_factory=list)  # (chat, message)
    # Why the replies were chosen (dialogue/explain.py); not part of what is sent.
    explanation: str = field(default="", compare=False, repr=False)
