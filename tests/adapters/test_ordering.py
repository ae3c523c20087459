"""Updates of different chats run concurrently; one chat's run in the order they came."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update, User

from bot.adapters.ordering import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    sender = User(chat_id, "Ana", is_bot=False)
    message = Message(update_id, dt.datetime.now(dt.UTC), chat, from_user=sender, text="hola")
    return Update(update_id, message=message)


class Log:
    def __init__(self) -> None:
        self.events: list[str] = []

    async def work(self, name: str, seconds: float) -> None:
        self.events.append(f"start {name}")
        await asyncio.sleep(seconds)
        self.events.append(f"end {name}")


async def test_one_chats_updates_never_overlap_and_keep_their_order() -> None:
    processor, log = PerChatUpdateProcessor(8), Log()
    await asyncio.gather(
        processor.process_update(update(1, 100), log.work("a1", 0.03)),
        processor.process_update(update(2, 100), log.work("a2", 0.0)),
    )
    assert log.events == ["start a1", "end a1", "start a2", "end a2"]


async def test_a_slow_chat_does_not_hold_up_another_chat() -> None:
    processor, log = PerChatUpdateProcessor(8), Log()
    await asyncio.gather(
        processor.process_update(update(1, 100), log.work("slow", 0.05)),
        processor.process_update(update(2, 200), log.work("quick", 0.0)),
    )
    assert log.events.index("end quick") < log.events.index("end slow")


async def test_idle_chats_are_forgotten() -> None:
    processor = PerChatUpdateProcessor(8)
    await processor.process_update(update(1, 100), asyncio.sleep(0))
    assert not processor._locks and not processor._waiting


async def test_a_busy_chat_waits_outside_the_shared_slots() -> None:
    """Two slots, ten queued updates from one chat: another chat still gets a slot at once."""
    processor, log = PerChatUpdateProcessor(2), Log()
    busy = [processor.process_update(update(i, 100), log.work(f"b{i}", 0.02)) for i in range(10)]
    tasks = [asyncio.create_task(c) for c in busy]
    await asyncio.sleep(0.005)  # the busy chat's first update is running, nine wait
    await processor.process_update(update(99, 200), log.work("other", 0.0))
    assert "end b0" not in log.events  # it did not wait for the busy chat's first update
    await asyncio.gather(*tasks)
    assert processor.current_concurrent_updates == 0
