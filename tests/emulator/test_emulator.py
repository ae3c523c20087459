"""The Bot API emulator drives the real python-telegram-bot over HTTP on 127.0.0.1.

Nothing inside python-telegram-bot is mocked: the `Application` polls the
emulator with getUpdates and calls it for everything it sends, exactly as it
would call api.telegram.org.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from telegram_emulator import BotApiEmulator

USER = 424242


@pytest.fixture
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator() as emulator:
        yield emulator
        assert emulator.internal_errors == []


@contextlib.asynccontextmanager
async def running_app(
    emu: BotApiEmulator, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application]:
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextlib.asynccontextmanager
async def direct_bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    bot = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# -- the real Application, end to end ------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>Hola</b>, ¿qué necesita? &lt;elija&gt;",
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Economía circular", callback_data="topic:circular")]]
        ),
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Listo")
    await query.edit_message_text(f"Eligió {query.data}")


async def test_command_inline_keyboard_and_callback_round_trip(emu: BotApiEmulator) -> None:
    async with running_app(emu, CommandHandler("start", start), CallbackQueryHandler(on_button)):
        sent_update = emu.send_text(USER, "/start")
        assert sent_update["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": 6}
        ]
        (reply,) = await emu.wait_for_messages(USER, 1)
        assert reply["text"] == "<b>Hola</b>, ¿qué necesita? &lt;elija&gt;"
        assert reply["plain_text"] == "Hola, ¿qué necesita? <elija>"
        assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
        assert reply["parse_mode"] == "HTML"
        assert reply["reply_markup"] == {
            "inline_keyboard": [[{"text": "Economía circular", "callback_data": "topic:circular"}]]
        }

        pressed = emu.press_button(USER, "topic:circular", reply["message_id"])
        assert pressed["callback_query"]["message"]["message_id"] == reply["message_id"]
        await emu.wait_for_call("editMessageText")

    (answer,) = emu.callback_answers
    assert answer["text"] == "Listo"
    assert answer["data"] == "topic:circular"
    assert answer["callback_query_id"] == pressed["callback_query"]["id"]
    (edited,) = emu.sent(USER)
    assert edited["text"] == "Eligió topic:circular"
    assert edited["reply_markup"] is None  # editing without a markup drops the keyboard
    assert edited["message"]["edit_date"] >= edited["date"]
    (edit,) = edited["edits"]
    assert edit["before"]["plain_text"] == "Hola, ¿qué necesita? <elija>"
    assert edit["after"]["text"] == "Eligió topic:circular"
    assert emu.edits == [edit]
    methods = [call.method for call in emu.calls if call.method != "getUpdates"]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert {"sendMessage", "answerCallbackQuery", "editMessageText"} <= set(methods)


async def test_injected_updates_reach_the_right_handlers(emu: BotApiEmulator) -> None:
    seen: list[str] = []
    memberships: list[str] = []

    async def describe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.contact:
            kind = f"contact:{message.contact.phone_number}:{message.contact.user_id}"
        elif message.text:
            kind = f"text:{message.text}"
        else:
            kind = next(
                k
                for k in ("voice", "photo", "sticker", "location", "document")
                if getattr(message, k)
            )
            if message.document:
                kind += f":{message.document.file_name}"
            if message.caption:
                kind += f":{message.caption}"
        seen.append(kind)
        await message.reply_text(kind)

    async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        memberships.append(update.my_chat_member.new_chat_member.status)

    reply_markup = ReplyKeyboardMarkup(
        [[KeyboardButton("Compartir teléfono", request_contact=True)]], one_time_keyboard=True
    )

    async def ask_phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("¿Su teléfono?", reply_markup=reply_markup)

    async with running_app(
        emu,
        CommandHandler("telefono", ask_phone),
        ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, describe),
    ) as app:
        emu.send_text(USER, "/telefono")
        (question,) = await emu.wait_for_messages(USER, 1)
        assert question["reply_markup"]["keyboard"] == [
            [{"text": "Compartir teléfono", "request_contact": True}]
        ]
        assert "reply_markup" not in question["message"]  # reply keyboards are not echoed

        emu.send_contact(USER, "+51987654321", "Ana", contact_user_id=USER)
        emu.send_voice(USER)
        emu.send_photo(USER, caption="mi taller")
        emu.send_sticker(USER)
        emu.send_location(USER, -12.05, -77.04)
        emu.send_document(USER, "ruc.pdf", content=b"%PDF")
        emu.send_text(USER, "hola @emulated_bot", chat_id=-1001, chat_type="supergroup")
        replies = await emu.wait_for_messages(USER, 7)
        await emu.wait_for_messages(-1001, 1)
        # The user blocks the bot: the update arrives and sends now answer 403.
        emu.my_chat_member(USER, "kicked")
        await emu.wait_idle()
        with pytest.raises(Forbidden):
            await app.bot.send_message(USER, "¿sigue ahí?")

    assert seen == [
        f"contact:+51987654321:{USER}",
        "voice",
        "photo:mi taller",
        "sticker",
        "location",
        "document:ruc.pdf",
        "text:hola @emulated_bot",
    ]
    assert [r["text"] for r in replies[1:]] == seen[:6]
    assert memberships == ["kicked"]
    assert USER in emu.blocked_chats


async def test_send_document_records_name_and_bytes(emu: BotApiEmulator) -> None:
    content = "RUC;Empresa\n20123456789;Taller Ñandú\n".encode()
    async with direct_bot(emu) as bot:
        message = await bot.send_document(
            USER,
            document=content,
            filename="contactos.csv",
            caption="<i>Export</i>",
            parse_mode="HTML",
        )
        assert message.document is not None
        assert message.document.file_name == "contactos.csv"
        assert message.caption == "Export"
        downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content
    (record,) = emu.sent(USER)
    assert record["kind"] == "document"
    assert record["document_name"] == "contactos.csv"
    assert record["document_bytes"] == content
    assert record["document_mime"] == "text/csv"
    assert record["caption"] == "<i>Export</i>"
    call = emu.calls_to("sendDocument")[0]
    assert call.files["document"].filename == "contactos.csv"


async def test_send_photo_bytes_or_file_id(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        first = await bot.send_photo(USER, photo=b"\x89PNG-bytes")
        second = await bot.send_photo(USER, photo=first.photo[-1].file_id, caption="otra vez")
    uploaded, reused = emu.sent(USER)
    assert uploaded["photo_bytes"] == b"\x89PNG-bytes"
    assert reused["photo_file_id"] == first.photo[-1].file_id
    assert reused["photo_bytes"] == b"\x89PNG-bytes"
    assert second.caption == "otra vez"


# -- errors surface as python-telegram-bot exceptions ---------------------------------


async def test_429_surfaces_as_retry_after(emu: BotApiEmulator) -> None:
    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    async with direct_bot(emu) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "hola")
        assert seconds(caught.value.retry_after) == 7
        await bot.send_message(USER, "hola")  # only the next call failed
    call = emu.calls_to("sendMessage")[0]
    assert call.status == 429
    assert call.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert emu.stats["429"] == 1
    assert len(emu.sent(USER)) == 1


async def test_403_blocked_user_surfaces_as_forbidden(emu: BotApiEmulator) -> None:
    emu.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=USER)
    async with direct_bot(emu) as bot:
        await bot.send_message(USER + 1, "another chat is not affected")
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(USER, "hola")
        emu.blocked_chats.add(USER)
        with pytest.raises(Forbidden):
            await bot.send_chat_action(USER, "typing")
        emu.blocked_chats.clear()
        await bot.send_message(USER, "unblocked")
    assert [m["chat_id"] for m in emu.sent()] == [USER + 1, USER]


@pytest.mark.parametrize(
    ("code", "description", "error"),
    [
        (400, "Bad Request: chat not found", BadRequest),
        (500, "Internal Server Error", NetworkError),
        (502, "Bad Gateway", NetworkError),
    ],
)
async def test_other_injected_errors(
    emu: BotApiEmulator, code: int, description: str, error: type[Exception]
) -> None:
    emu.fail_next("sendMessage", code, description)
    async with direct_bot(emu) as bot:
        with pytest.raises(error):
            await bot.send_message(USER, "hola")
    assert emu.stats[str(code)] == 1


async def test_dropped_connection_is_a_network_error(emu: BotApiEmulator) -> None:
    emu.drop_connection_next("sendMessage")
    async with direct_bot(emu) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "hola")
        await bot.send_message(USER, "hola")
    assert emu.stats["dropped"] == 1
    assert len(emu.sent(USER)) == 1


async def test_wrong_token_is_invalid_token() -> None:
    with BotApiEmulator() as emu:
        app = (
            ApplicationBuilder()
            .token("987654321:" + "Z" * 35)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        with pytest.raises(InvalidToken):
            await app.initialize()
        (call,) = emu.calls
        assert (call.method, call.status) == ("getMe", 401)
        assert call.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_404_and_recorded(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})
    assert emu.unknown_methods == ["sendHologram"]
    assert emu.calls_to("sendHologram")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


# -- validation like Telegram --------------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(emu: BotApiEmulator) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data=data)]])

    async with direct_bot(emu) as bot:
        await bot.send_message(USER, "a", reply_markup=keyboard("x" * 64))
        await bot.send_message(USER, "b", reply_markup=keyboard("ñ" * 32))  # 64 bytes
        for too_long in ("x" * 65, "ñ" * 33):
            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(USER, "c", reply_markup=keyboard(too_long))
    assert [m["text"] for m in emu.sent(USER)] == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "<b>sin cerrar",
        "<b>cruzado <i>mal</b></i>",
        "cerrar sin abrir</b>",
        "<blink>etiqueta desconocida</blink>",
        "a < b",
        "Tom & Jerry",
        "&nbsp;",
    ],
)
async def test_malformed_html_is_rejected(emu: BotApiEmulator, text: str) -> None:
    async with direct_bot(emu) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert emu.sent(USER) == []
    assert emu.calls_to("sendMessage")[0].description.startswith(
        "Bad Request: can't parse entities: "
    )


async def test_text_limits_and_valid_html(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        await bot.send_message(USER, "x" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, "x" * 4097)
        # The limit applies after entity parsing: markup does not count.
        await bot.send_message(USER, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        message = await bot.send_message(
            USER,
            '<a href="https://example.org/?a=1&amp;b=2">enlace</a> <code>x &lt; y</code> &#128512;',
            parse_mode=ParseMode.HTML,
        )
        with pytest.raises(BadRequest, match=r"(?i)text is empty"):
            await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    assert message.text == "enlace x < y 😀"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("text_link", 0, 6),
        ("code", 7, 5),
    ]
    assert message.entities[0].url == "https://example.org/?a=1&b=2"


async def test_edit_errors_like_telegram(emu: BotApiEmulator) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sí", callback_data="yes")]])
    async with direct_bot(emu) as bot:
        message = await bot.send_message(USER, "pregunta", reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=USER, message_id=999)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "pregunta", chat_id=USER, message_id=message.message_id, reply_markup=keyboard
            )
        await bot.edit_message_reply_markup(chat_id=USER, message_id=message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=USER, message_id=message.message_id)
        await bot.delete_message(USER, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("y", chat_id=USER, message_id=message.message_id)
    (record,) = emu.sent(USER)
    assert record["deleted"] is True
    assert record["reply_markup"] is None
    assert [e["method"] for e in record["edits"]] == ["editMessageReplyMarkup"]


async def test_reply_keyboard_remove_and_commands(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        await bot.send_message(USER, "listo", reply_markup=ReplyKeyboardRemove())
        await bot.set_my_commands([("start", "Empezar"), ("ayuda", "Qué puede hacer el bot")])
        commands = await bot.get_my_commands()
        with pytest.raises(BadRequest):
            await bot.set_my_commands([("Mal-Comando", "x")])
    assert emu.sent(USER)[0]["reply_markup"] == {"remove_keyboard": True}
    assert [c.command for c in commands] == ["start", "ayuda"]
    assert emu.commands() == [
        {"command": "start", "description": "Empezar"},
        {"command": "ayuda", "description": "Qué puede hacer el bot"},
    ]


async def test_callback_query_can_be_answered_once(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        message = await bot.send_message(
            USER,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]]),
        )
        query_id = emu.press_button(USER, "a", message.message_id)["callback_query"]["id"]
        assert await bot.answer_callback_query(query_id, text="ok")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)
    assert [a["text"] for a in emu.callback_answers] == ["ok"]
    with pytest.raises(LookupError):
        emu.press_button(USER, "a", 12345)


# -- flood limits ----------------------------------------------------------------------


async def test_rate_limits_answer_429_with_integer_retry_after() -> None:
    with BotApiEmulator(rate_limit=5, per_chat_interval=1.0) as emu:
        async with direct_bot(emu) as bot:
            await bot.send_message(1, "first")
            with pytest.raises(RetryAfter) as per_chat:
                await bot.send_message(1, "too soon for this chat")
            results = await asyncio.gather(
                *(bot.send_message(100 + i, "burst") for i in range(10)), return_exceptions=True
            )
        assert seconds(per_chat.value.retry_after) == 1
        refused = [r for r in results if isinstance(r, RetryAfter)]
        assert refused  # 11 sends in one burst cannot all pass at 5 per second
        assert all(seconds(r.retry_after) >= 1 for r in refused)
        accepted = sorted(m["time"] for m in emu.sent())
        assert len(accepted) + len(refused) == 11
        # Never more than 5 accepted messages within one second.
        assert all(
            later - earlier > 0.99 for earlier, later in zip(accepted, accepted[5:], strict=False)
        )
        assert emu.stats["429"] == emu.stats["rate_limited"] == len(refused) + 1
        retry_after = [
            c.response["parameters"]["retry_after"] for c in emu.calls if c.status == 429
        ]
        assert all(isinstance(value, int) and value >= 1 for value in retry_after)


# -- long polling ------------------------------------------------------------------------


async def test_get_updates_long_polling_offset_and_limit(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        pushed = [emu.send_text(USER, f"m{i}")["update_id"] for i in range(3)]
        assert pushed == sorted(pushed)
        first_two = await bot.get_updates(limit=2, timeout=0)
        assert [u.update_id for u in first_two] == pushed[:2]
        again = await bot.get_updates(timeout=0)  # not confirmed yet: served again
        assert [u.update_id for u in again] == pushed
        confirmed = await bot.get_updates(offset=pushed[1] + 1, timeout=0)
        assert [u.update_id for u in confirmed] == pushed[2:]
        assert [u["update_id"] for u in emu.pending_updates] == pushed[2:]

        async def push_later() -> dict[str, Any]:
            await asyncio.sleep(0.2)
            return emu.send_text(USER, "late")

        began = time.monotonic()
        pusher = asyncio.create_task(push_later())
        waited = await bot.get_updates(offset=pushed[2] + 1, timeout=5)
        elapsed = time.monotonic() - began
        late = await pusher
        assert [u.update_id for u in waited] == [late["update_id"]]
        assert elapsed < 3  # answered when the update arrived, not after the 5 s timeout
        assert await bot.get_updates(offset=late["update_id"] + 1, timeout=0) == ()


# -- webhooks ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_delivery_with_secret_token(emu: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text("eco: " + update.effective_message.text)

    app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    port = free_port()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        assert emu.webhook["url"] == f"http://127.0.0.1:{port}/hook"
        assert emu.webhook["secret_token"] == "s3cret"
        update = {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": USER, "type": "private", "first_name": "Ana"},
                "from": {"id": USER, "is_bot": False, "first_name": "Ana"},
                "text": "hola",
            }
        }
        assert await emu.adeliver_to_webhook(None, update) == 200
        (reply,) = await emu.wait_for_messages(USER, 1)
        assert reply["text"] == "eco: hola"
        wrong = await emu.adeliver_to_webhook(f"http://127.0.0.1:{port}/hook", dict(update), "nope")
        assert wrong == 403
        async with direct_bot(emu) as bot:
            info = await bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/hook"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    with pytest.raises(ValueError, match="non-loopback"):
        emu.deliver_to_webhook("http://192.0.2.1/hook", {})


# -- request formats and helpers -------------------------------------------------------


async def test_json_query_string_and_form_requests(emu: BotApiEmulator) -> None:
    api = f"{emu.base_url}{emu.token}"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "d"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            f"{api}/sendMessage", json={"chat_id": 5, "text": "json", "reply_markup": markup}
        )
        as_query = await client.get(f"{api}/sendmessage", params={"chat_id": "6", "text": "123"})
        as_form = await client.post(
            f"{api}/sendMessage",
            data={"chat_id": "7", "text": "form", "reply_markup": '{"remove_keyboard": true}'},
        )
        missing = await client.post(f"{api}/sendMessage", data={"chat_id": "7"})
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_query.json()["result"]["text"] == "123"  # text stays a string
    assert as_form.status_code == 200
    assert missing.status_code == 400
    params = [c.params for c in emu.calls_to("sendMessage")]
    assert params[0] == {"chat_id": 5, "text": "json", "reply_markup": markup}
    assert params[1] == {"chat_id": 6, "text": "123"}
    assert params[2]["reply_markup"] == {"remove_keyboard": True}


async def test_wait_timeout_explains_what_happened(emu: BotApiEmulator) -> None:
    async with direct_bot(emu) as bot:
        await bot.send_message(USER, "única")
    with pytest.raises(AssertionError, match="expected 2 message") as caught:
        await emu.wait_for_messages(USER, 2, timeout=0.2)
    assert "única" in str(caught.value)
    assert "BotApiEmulator state" in str(caught.value)
    emu.clear()
    assert emu.sent() == [] and emu.calls == [] and emu.stats["calls"] == 0
    with pytest.raises(AssertionError):
        await emu.wait_for_messages(USER, 1, timeout=0.05)


# -- forum topics and copyMessage (the handoff's staff chat) --------------------------

FORUM, GROUP = -1001234, -1005678


async def test_forum_topics_are_created_edited_closed_and_reopened(emu: BotApiEmulator) -> None:
    emu.create_forum(FORUM, "Equipo")
    async with direct_bot(emu) as bot:
        topic = await bot.create_forum_topic(FORUM, "Ana · Textil · Puno")
        thread = topic.message_thread_id
        sent = await bot.send_message(FORUM, "hola", message_thread_id=thread)
        assert sent.message_thread_id == thread and sent.is_topic_message
        assert sent.reply_to_message is not None  # answers the topic's first message
        assert await bot.edit_forum_topic(FORUM, thread, name="Ana · Textil · Cusco")
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.edit_forum_topic(FORUM, thread, name="Ana · Textil · Cusco")
        assert await bot.close_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Topic_closed"):
            await bot.send_message(FORUM, "¿sigue?", message_thread_id=thread)
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.close_forum_topic(FORUM, thread)
        assert await bot.reopen_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "x", message_thread_id=thread + 99)
        with pytest.raises(BadRequest, match="Topic_id_invalid"):
            await bot.close_forum_topic(FORUM, thread + 99)
        with pytest.raises(BadRequest, match="Topic_name_invalid"):
            await bot.create_forum_topic(FORUM, "x" * 129)
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.create_forum_topic(GROUP, "Ana")
    assert emu.topics(FORUM) == {
        thread: {"name": "Ana · Textil · Cusco", "icon_color": 7322096, "closed": False}
    }


async def test_messages_in_a_topic_reach_the_bot_with_their_thread(emu: BotApiEmulator) -> None:
    emu.create_forum(FORUM)
    seen: list[tuple[int | None, bool, int | None]] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        replied = message.reply_to_message
        seen.append(
            (message.message_thread_id, message.is_topic_message, replied and replied.message_id)
        )

    async with direct_bot(emu) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Ana")).message_thread_id
    async with running_app(emu, MessageHandler(filters.ALL, record)):
        emu.send_text(7, "respuesta", chat_id=FORUM, message_thread_id=thread)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.02)
    assert seen == [(thread, True, thread)]
    with pytest.raises(LookupError):
        emu.send_text(7, "x", chat_id=FORUM, message_thread_id=thread + 50)


async def test_copy_message_keeps_the_media_and_fails_like_telegram(emu: BotApiEmulator) -> None:
    emu.create_forum(FORUM)
    photo = emu.send_photo(USER, caption="mi etiqueta")["message"]
    async with direct_bot(emu) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Ana")).message_thread_id
        copied = await bot.copy_message(
            FORUM, USER, photo["message_id"], message_thread_id=thread, caption="💬 Ana"
        )
        with pytest.raises(BadRequest, match="Message to copy not found"):
            await bot.copy_message(FORUM, USER, 9999)
        emu.blocked_chats.add(USER)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.copy_message(USER, FORUM, copied.message_id)
    [record] = emu.sent(FORUM)
    assert record["method"] == "copyMessage" and record["message"]["photo"]
    assert record["plain_text"] == "💬 Ana" and record["message_thread_id"] == thread
