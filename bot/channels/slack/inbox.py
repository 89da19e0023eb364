"""Slack requests kept in the inbox before their ack, then handled: answer presses, typed DMs, /nudge, Home buttons.

Slack never sends an interaction or a slash command again once it is acknowledged, and an event only
until it is: kept first, a request survives a crash after its ack (the replay handles it after its
lease), and its key keeps a redelivery from being handled twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.events import answer_event, command_event, sender_of
from bot.channels.slack.home import home_data
from bot.channels.slack.home_view import home_command, home_view
from bot.channels.slack.messages import dm_event, file_event
from core.ports import ChannelHost, CommandIssued, Kept, Reply
from core.render import parse_answer_action

log = logging.getLogger("nudgebot.slack")

ANSWER_ACTION = re.compile(r"^a:")
HOME_ACTIONS = re.compile(r"^home:")
ACK_WITHIN = 2.0  # seconds a request waits to be kept before it is acknowledged anyway (Slack allows 3)


def is_answer_press(body: dict[str, Any]) -> bool:
    """Return True for a block_actions interaction on one of nudgebot's answer buttons."""
    return _action_id(body, ANSWER_ACTION) is not None


def _action_id(body: dict[str, Any], pattern: re.Pattern[str]) -> str | None:
    actions = body.get("actions")
    if body.get("type") != "block_actions" or not isinstance(actions, list) or len(actions) != 1 \
            or not isinstance(actions[0], dict):
        return None
    action_id = str(actions[0].get("action_id", ""))
    return action_id if pattern.match(action_id) else None


def inbox_key(body: dict[str, Any]) -> str | None:
    """Return the inbox key of a request kept before its ack (who did what, when); None for any other."""
    user = body.get("user") or {}
    user_id = user.get("id") if isinstance(user, dict) else None
    if is_answer_press(body):
        press = [user_id, (body.get("container") or {}).get("message_ts"), body["actions"][0].get("action_ts")]
        if not all(isinstance(p, str) and p for p in press) or answer_event(body) is None:
            return None
        return "slack:press:" + ":".join(map(str, press))
    if _action_id(body, HOME_ACTIONS):
        button = [user_id, body["actions"][0].get("action_ts")]
        return "slack:home:" + ":".join(map(str, button)) if all(isinstance(p, str) and p for p in button) else None
    if body.get("command") == "/nudge" and body.get("trigger_id") and body.get("user_id"):
        # A trigger_id is Slack's own id of one command invocation.
        return f"slack:command:{body['user_id']}:{body['trigger_id']}"
    event = body.get("event")
    if body.get("type") == "event_callback" and isinstance(event, dict) and body.get("event_id") \
            and (dm_event(event) or file_event(event)):
        return f"slack:event:{body['event_id']}"
    return None


class SlackInbox:
    """Slack requests acknowledged once kept in the inbox, handled in tasks of their own after that."""

    def __init__(self, host: ChannelHost, channel: SlackChannel) -> None:
        self.host = host
        self.channel = channel
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(self, body: dict[str, Any], key: str | None = None) -> None:
        """Keep the request in the inbox (return once it is kept, to acknowledge it), and handle it after that.

        Slack shows the person an error for an interaction or command not acknowledged within 3 seconds,
        and never sends it again: when the database cannot keep it within ACK_WITHIN, it is acknowledged
        all the same and handled once kept. A request handled before is not handled again; one without a
        key is handled without being kept. `key` saves working out `inbox_key(body)` again.
        """
        key = key or inbox_key(body)
        if key is None:
            self._start(self._run(body, ""))
            return
        kept = asyncio.ensure_future(self.host.inbound.receive("slack", key, json.dumps(body)))
        self._start(self._once_kept(kept, body, key))
        done, _ = await asyncio.wait({kept}, timeout=ACK_WITHIN)
        if not done:
            log.warning("slack: %s not kept after %gs (the database is slow); acknowledged all the same",
                        key, ACK_WITHIN)

    async def replay(self, key: str, payload: str) -> None:
        """Handle a kept request whose process stopped before handling it (or that was handed off)."""
        await self.handle(json.loads(payload), once=key)

    async def handle(self, body: dict[str, Any], once: str = "") -> None:
        """Handle one request; with `once` (its inbox key), one handled before changes nothing."""
        if is_answer_press(body):
            await answer_press(self.host, self.channel, body, once)
        elif _action_id(body, HOME_ACTIONS):
            await home_action(self.host, self.channel, body, once)
        elif body.get("command"):
            await slash_command(self.host, self.channel, body, once)
        elif isinstance(body.get("event"), dict):
            typed = dm_event(body["event"]) or file_event(body["event"])
            if typed is not None:
                await self.host.inbound.handle(typed, once=once)

    async def drain(self) -> None:
        """Wait for the requests still being handled, then for the replies they queued."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))
        await self.host.inbound.drain()

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _once_kept(self, kept: asyncio.Future[Kept], body: dict[str, Any], key: str) -> None:
        try:
            if await kept != "handle":
                return  # a worker handles it, or it was handled before (Slack's retry, or a replay got there first)
        except Exception as exc:  # handled all the same, only not kept
            log.error("slack: %s could not be kept (%r)", key, exc)
        await self._run(body, key)

    async def _run(self, body: dict[str, Any], key: str) -> None:
        try:
            await self.handle(body, once=key)
        except Exception as exc:  # still open in the inbox: a replay handles it later
            log.error("slack: handling %s failed: %r", key or body.get("type"), exc, exc_info=exc)


async def answer_press(host: ChannelHost, channel: SlackChannel, body: dict[str, Any], once: str = "") -> None:
    """Record a pressed choice; the conversation edits the question into its feedback."""
    event = answer_event(body)
    if event is None:
        return
    # A press in the person's DM names that DM: the unit's next question goes there without opening it again.
    channel.remember_dm(event.sender.user_id, event.message_ref.partition(":")[0])
    conversation = host.inbound
    reply = await conversation.handle(event, once=once)
    if reply.repeated:
        return
    if reply.notice and not reply.messages:
        # Presses on an answered (or closed) question: one note per person and question, not one per press.
        parsed = parse_answer_action(event.action)
        about = str(parsed[0]) if parsed else event.action
        if await conversation.seen(f"slack:note:{event.sender.user_id}:{about}"):
            return
    where = event.message_ref.partition(":")[0] or event.sender.user_id
    await show_notice(channel, event.sender.user_id, where, reply, respond=None)


async def slash_command(host: ChannelHost, channel: SlackChannel, body: dict[str, Any], once: str = "") -> None:
    """Run a /nudge sub-command and answer privately where it was typed (through its response_url)."""
    event = command_event(body)
    response_url = str(body.get("response_url") or "")
    reply = await host.inbound.handle(event, reply_via=response_url, once=once)
    if reply.repeated:
        return
    respond = AsyncRespond(response_url=response_url) if response_url else None
    await show_notice(channel, event.sender.user_id, str(body.get("channel_id") or ""), reply, respond=respond)


async def home_action(host: ChannelHost, channel: SlackChannel, body: dict[str, Any], once: str = "") -> None:
    """Run a Home tab button (next lesson, pause a week, resume, language) as a command, then refresh the tab."""
    actions = body.get("actions") or []
    user = body.get("user") or {}
    found = home_command(actions[0]) if actions and isinstance(actions[0], dict) else None
    if found is None or not isinstance(user, dict) or not user.get("id"):
        return
    sender = sender_of(user)
    # The Home tab cannot show a toast: the answer arrives in the bot's DM, like a typed command's.
    reply = await host.inbound.handle(CommandIssued(sender, found[0], found[1]), can_toast=False, once=once)
    if not reply.repeated:
        await publish_home(host, channel, sender.user_id)


async def publish_home(host: ChannelHost, channel: SlackChannel, user: str) -> None:
    """Publish a person's Home tab as it stands now."""
    data = await asyncio.to_thread(_home, host, user)
    await channel.publish_home(user, home_view(data))


def _home(host: ChannelHost, user: str) -> Any:
    with host.db.session() as s:
        return home_data(s, user, host.clock.now())


async def show_notice(channel: SlackChannel, user: str, where: str, reply: Reply, respond: Any) -> None:
    """Show a Reply's notice privately (its messages are already on their way through the outbox)."""
    if not reply.notice or any(m.text == reply.notice for m in reply.messages):
        return
    if respond is not None:
        try:
            resp = await respond(response_type="ephemeral", replace_original=False, text=reply.notice)
            if getattr(resp, "status_code", 200) == 200:
                return
        except Exception as exc:  # fall back to an ephemeral note
            log.warning("slack: response_url failed (%r)", exc)
    if where:
        await channel.post_ephemeral(where, user, reply.notice)
