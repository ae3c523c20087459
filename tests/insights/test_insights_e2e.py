"""/pendientes and /estadisticas through the real python-telegram-bot Application and
the Bot API emulator: what staff receive in Telegram."""

from __future__ import annotations

from bot.app import Services
from telegram_emulator import BotApiEmulator
from tests.kit.telegram import STAFF, ask, buttons, press


async def test_estadisticas_arrives_as_one_png_photo(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await ask(emulator, "que es la economia circular")
    [photo] = await ask(emulator, "/estadisticas", user=STAFF)
    assert photo["kind"] == "photo"
    assert photo["photo_bytes"].startswith(b"\x89PNG")
    assert "Uso del bot" in photo["plain_text"]


async def test_pendientes_buttons_work_in_telegram(emulator: BotApiEmulator, bot: Services) -> None:
    await ask(emulator, "bono para bodegueros")
    _, item = await ask(emulator, "/pendientes", user=STAFF, count=2)
    assert "«bono para bodegueros»" in item["plain_text"]
    data = [d for _, d in buttons(item)]
    assert all(len(d.encode()) <= 64 for d in data)
    ignore = next(d for d in data if d.endswith(":i"))
    [done] = await press(emulator, item, ignore, user=STAFF)
    assert "no volverá a aparecer" in done["plain_text"]
    [empty] = await ask(emulator, "/pendientes", user=STAFF)
    assert "No hay preguntas pendientes" in empty["plain_text"]


async def test_pendientes_is_refused_to_a_non_admin_in_telegram(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [refused] = await ask(emulator, "/pendientes")
    assert "solo para el equipo" in refused["plain_text"]
