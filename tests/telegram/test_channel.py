"""The Telegram ChatChannel against the Bot API emulator: refs, splitting, errors, flood limits."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.telegram.channel import IN_FLIGHT, TelegramChannel
from bot.channels.telegram.limiter import TelegramLimiter
from core.db import Database
from core.ports import Button, OutboundMessage, RecipientGone, RetryLater, TransientError
from core.ratelimit import SharedLimiter
from tests.telegram.emulator import TOKEN, TelegramEmulator

QUESTION = OutboundMessage(kind="question", title="Question", text="Which is *safe*?",
                           buttons=(Button("A", "a:1:0"), Button("B", "a:1:1")))


@pytest.fixture
def shared(db_url: str) -> SharedLimiter:
    return SharedLimiter(Database(db_url))


def channel(emu: TelegramEmulator, shared: SharedLimiter) -> TelegramChannel:
    return TelegramChannel(TOKEN, emu.api_url, limiter=TelegramLimiter(shared, TOKEN.split(":")[0]))


async def _send(ch: TelegramChannel, address: str, message: OutboundMessage) -> str:
    try:
        return await ch.send(address, message)
    finally:
        await ch.aclose()


def test_send_returns_a_ref_that_edit_understands(emulator: TelegramEmulator, shared: SharedLimiter) -> None:
    ch = channel(emulator, shared)

    async def go() -> str:
        ref = await ch.send("77", QUESTION)
        await ch.edit("77", ref, OutboundMessage(kind="feedback", title="Question", text="✅ Correct!"))
        await ch.edit("77", ref, OutboundMessage(kind="feedback", title="Question", text="✅ Correct!"))
        await ch.aclose()
        return ref

    ref = asyncio.run(go())
    [msg] = emulator.sent_to(77)
    assert ref == f"77:{msg.message_id}"
    assert msg.text == "<b>Question</b>\n\n✅ Correct!" and msg.reply_markup is None
    assert msg.history == ["<b>Question</b>\n\nWhich is <b>safe</b>?"]
    assert msg.edits == 1  # the repeated edit ("message is not modified") is harmless
    assert emulator.calls_of("getMe")  # the client was initialised against the emulator


def test_long_message_goes_out_in_parts_and_the_ref_is_the_last(emulator: TelegramEmulator,
                                                                shared: SharedLimiter) -> None:
    text = "\n\n".join(f"Paragraph {i} " + "lorem ipsum " * 100 for i in range(8))
    msg = OutboundMessage(kind="lesson", text=text, buttons=(Button("Got it", "a:9:0"),))
    ch = channel(emulator, shared)
    ref = asyncio.run(_send(ch, "5", msg))
    assert emulator.rate_violations == []  # the parts, too, keep to one message per second in a chat
    parts = emulator.sent_to(5)
    assert len(parts) == 3
    assert ref == f"5:{parts[-1].message_id}"
    assert [p.reply_markup is not None for p in parts] == [False, False, True]
    assert "".join(p.text for p in parts).count("Paragraph") == 8

    # Telegram pushes back in the middle of a long message: the rest waits, no part is sent twice.
    emulator.fail("sendMessage", 429, count=1, retry_after=1, chat_id=6, after=1)
    ref = asyncio.run(_send(channel(emulator, shared), "6", msg))
    assert [p.text for p in emulator.sent_to(6)] == [p.text for p in parts]
    assert len(emulator.calls_of("sendMessage", status=429)) == 1 and emulator.rate_violations == []


def test_errors_map_to_the_port(emulator: TelegramEmulator, shared: SharedLimiter) -> None:
    ch = channel(emulator, shared)
    emulator.fail("sendMessage", 429, retry_after=1)
    with pytest.raises(RetryLater) as retry:
        asyncio.run(_send(ch, "1", QUESTION))
    assert retry.value.retry_after == 1
    emulator.fail("sendMessage", 502)
    with pytest.raises(TransientError):
        asyncio.run(_send(ch, "2", QUESTION))
    emulator.block(3)
    with pytest.raises(RecipientGone) as gone:
        asyncio.run(_send(ch, "3", QUESTION))
    assert gone.value.status == "blocked" and "blocked by the user" in str(gone.value)
    emulator.fail("sendMessage", 403, description="Forbidden: user is deactivated")
    with pytest.raises(RecipientGone) as deactivated:
        asyncio.run(_send(ch, "4", QUESTION))
    assert deactivated.value.status == "deactivated"
    assert emulator.sent_to(1) == emulator.sent_to(2) == []


def test_a_burst_stays_within_telegrams_flood_limits(emulator: TelegramEmulator, shared: SharedLimiter) -> None:
    ch = channel(emulator, shared)
    msg = OutboundMessage(kind="info", text="hi")

    async def go() -> float:
        start = time.monotonic()
        # 40 chats x 2 messages, all at once: more than 30/s overall and 2 per chat.
        await asyncio.gather(*(ch.send(str(1000 + i % 40), msg) for i in range(80)))
        await ch.aclose()
        return time.monotonic() - start

    elapsed = asyncio.run(go())
    assert emulator.rate_violations == []
    assert len(emulator.calls_of("sendMessage")) == 80
    assert elapsed >= 2.0  # 80 messages at <= 30/s need at least two full windows


def test_a_429_in_one_process_pauses_every_chat_in_every_process(emulator: TelegramEmulator, db_url: str) -> None:
    web = channel(emulator, SharedLimiter(Database(db_url)))
    worker = channel(emulator, SharedLimiter(Database(db_url)))  # another process: its own limiter, one database
    emulator.fail("sendMessage", 429, count=1, retry_after=1, chat_id=1)
    msg = OutboundMessage(kind="info", text="hi")

    async def go() -> None:
        with pytest.raises(RetryLater):
            await web.send("1", msg)
        await asyncio.gather(*(worker.send(str(chat), msg) for chat in (2, 3, 4)), web.send("5", msg))
        await web.aclose()
        await worker.aclose()

    asyncio.run(go())
    [refused] = emulator.calls_of("sendMessage", status=429)
    accepted = [c.at for c in emulator.calls_of("sendMessage")]
    assert len(accepted) == 4 and min(accepted) - refused.at >= 0.95  # nobody sent during the retry_after


def test_bot_api_requests_are_capped_and_go_over_kept_open_connections(emulator: TelegramEmulator,
                                                                       shared: SharedLimiter) -> None:
    emulator.per_chat_interval = 0.0
    emulator.global_rate = 1_000_000
    ch = TelegramChannel(TOKEN, emulator.api_url, limiter=TelegramLimiter(shared, TOKEN.split(":")[0],
                                                                          per_second=100_000.0, chat_interval=0.0))

    async def go() -> list[str]:
        try:
            await ch.bot()
            return await asyncio.gather(*(ch.send(str(1000 + i), QUESTION) for i in range(64)))
        finally:
            await ch.aclose()

    refs = asyncio.run(go())
    assert len(set(refs)) == 64 and len(emulator.calls_of("sendMessage")) == 64
    assert emulator.most_in_flight <= IN_FLIGHT
    assert emulator.connections <= IN_FLIGHT + 1  # getMe's, perhaps, and the sends' kept-open ones
