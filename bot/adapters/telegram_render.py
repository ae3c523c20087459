"""A dialogue reply in Telegram's shapes: messages cut to Telegram's limit, and keyboards.

Kept apart from the handlers and from the delivery so that both the chat's
replies and the staff chat's posts are cut and drawn the same way.
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from bot import phrases
from bot.dialogue.model import Button, Reply
from bot.message_length import utf16_fitting, utf16_length


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut text into messages Telegram accepts, at paragraph, line or word breaks."""
    chunks: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        fits = utf16_fitting(rest, limit)
        cut = max(rest.rfind("\n\n", 0, fits), rest.rfind("\n", 0, fits), rest.rfind(" ", 0, fits))
        if cut <= fits // 2:
            cut = fits
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def inline_keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def reply_markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.request_contact:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(phrases.BUTTON_SHARE_PHONE, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.buttons:
        return inline_keyboard(reply.buttons)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None
