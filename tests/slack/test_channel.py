"""SlackChannel against the emulator: pacing, error mapping and the DM cache, with the real AsyncWebClient."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.channels.slack.app import make_client
from bot.channels.slack.channel import SlackChannel
from core.db import Database
from core.ports import OutboundMessage, RecipientGone, RetryLater, TransientError
from core.ratelimit import SharedLimiter

MSG = OutboundMessage(kind="info", text="hello")


@pytest.fixture
def shared(db_url: str) -> SharedLimiter:
    return SharedLimiter(Database(db_url))


def channel(emu: Any, h: Any, shared: SharedLimiter, **kw: Any) -> SlackChannel:
    return SlackChannel(make_client(h.TOKEN, emu.api_url), limiter=shared, **kw)


def test_one_message_per_second_per_dm_and_a_workspace_ceiling(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    for i in range(10):
        emulator.add_user(f"U{i}")
    ch = channel(emulator, h, shared, workspace_rate=5.0)

    async def go() -> None:
        await asyncio.gather(*(ch.send(f"U{i}", MSG) for i in range(10)))
        for _ in range(2):
            await ch.send("U0", MSG)

    asyncio.run(go())
    posts = emulator.calls_to("chat.postMessage", ok=True)
    assert len(posts) == 12
    times = sorted(c.at for c in posts)
    assert times[-3] - times[0] >= 9 / 5.0 - 0.1  # ten messages at 5 per second
    to_u0 = [c.at for c in posts if c.args["channel"] == "DU0"]
    assert all(b - a >= 0.95 for a, b in zip(to_u0, to_u0[1:], strict=False))


def test_dm_channel_is_opened_once_per_person(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    emulator.add_user("U1")
    ch = channel(emulator, h, shared, per_channel_interval=0)

    async def go() -> list[str]:
        return [await ch.send("U1", MSG) for _ in range(3)]

    refs = asyncio.run(go())
    assert len(emulator.calls_to("conversations.open")) == 1
    assert all(r.startswith("DU1:") for r in refs) and len(set(refs)) == 3


@pytest.mark.parametrize("error", ["user_not_found", "user_disabled", "cannot_dm_bot"])
def test_gone_users_raise_recipient_gone(emulator: Any, h: Any, error: str, shared: SharedLimiter) -> None:
    emulator.add_user("U1")
    emulator.gone["U1"] = error
    with pytest.raises(RecipientGone) as info:
        asyncio.run(channel(emulator, h, shared).send("U1", MSG))
    assert info.value.status == "deactivated" and error in str(info.value)


def test_429_raises_retry_later_with_slacks_retry_after(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    emulator.add_user("U1")
    emulator.inject("chat.postMessage", 1, status=429, retry_after=7)
    ch = channel(emulator, h, shared)
    with pytest.raises(RetryLater) as info:
        asyncio.run(ch.send("U1", MSG))
    assert info.value.retry_after == 7
    assert shared.held_until(ch.pause_key) - time.time() > 6  # every sender waits, in every process
    assert emulator.posted() == []


def test_5xx_raises_transient_error(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    emulator.add_user("U1")
    emulator.inject("chat.postMessage", 1, status=502)
    with pytest.raises(TransientError):
        asyncio.run(channel(emulator, h, shared).send("U1", MSG))


def test_edit_replaces_the_message_and_waits_out_a_rate_limit(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    emulator.add_user("U1")
    ch = channel(emulator, h, shared)

    async def go() -> None:
        ref = await ch.send("U1", MSG)
        emulator.inject("chat.update", 1, status=429, retry_after=1)
        await ch.edit("U1", ref, OutboundMessage(kind="info", text="edited"))

    asyncio.run(go())
    [msg] = emulator.posted("DU1")
    assert msg["text"] == "edited" and msg["edits"] == 1


def test_a_workspace_ceiling_below_the_configured_rate_is_learned_from_429s(h: Any, shared: SharedLimiter) -> None:
    emu = h.SlackEmulator(workspace_rate=5, per_channel_interval=1.0).start()
    try:
        for i in range(24):
            emu.add_user(f"U{i}")
        ch = channel(emu, h, shared, workspace_rate=10.0)  # Slack allows 5 a second; nudgebot is told 10

        async def go() -> list[str]:
            async def post(uid: str) -> str:
                for _ in range(5):  # as the dispatcher does: a 429 is waited out and sent again
                    try:
                        return await ch.send(uid, MSG)
                    except RetryLater:
                        continue
                raise AssertionError("never sent")

            return await asyncio.gather(*(post(f"U{i}") for i in range(24)))

        refs = asyncio.run(go())
        assert len(set(refs)) == 24 and len(emu.posted()) == 24  # each sent once
        assert len(emu.limited) <= 6  # each 429 cuts the rate by 15% and holds every post already given a slot
        assert shared.rate(ch.workspace) < 10.0  # and the rate came down
    finally:
        emu.stop()


def test_web_api_connections_stay_open_on_the_serving_loop(emulator: Any, h: Any, shared: SharedLimiter) -> None:
    for i in range(5):
        emulator.add_user(f"U{i}")

    async def go(pooled: bool) -> int:
        client = make_client(h.TOKEN, emulator.api_url)
        ch = SlackChannel(client, limiter=shared, per_channel_interval=0)
        if pooled:
            await client.open()
        before = emulator.connections
        try:
            for i in range(5):
                await ch.send(f"U{i}", MSG)  # conversations.open, then chat.postMessage
        finally:
            await client.aclose()
        return emulator.connections - before

    assert asyncio.run(go(pooled=False)) == 10  # slack_sdk's own way: a new connection per call
    assert asyncio.run(go(pooled=True)) == 1
    assert len(emulator.calls_to("chat.postMessage", ok=True)) == 10
