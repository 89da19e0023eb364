"""The Bolt app: acknowledge at once, then turn Slack requests into neutral events for the conversation."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.client import PooledWebClient
from bot.channels.slack.events import answer_event, command_event, profile_event, sender_of
from bot.channels.slack.home import home_data
from bot.channels.slack.home_view import home_command, home_view
from bot.channels.slack.messages import dm_event, file_event
from core.ports import ChannelHost, CommandIssued, Kept, Reachable, Reply
from core.render import parse_answer_action

log = logging.getLogger("nudgebot.slack")

ANSWER_ACTION = re.compile(r"^a:")
HOME_ACTIONS = re.compile(r"^home:")
ACK_WITHIN = 2.0  # seconds a press waits to be kept before it is acknowledged anyway (Slack allows 3)


def build_app(host: ChannelHost, channel: SlackChannel, signing_secret: str, presses: Presses) -> AsyncApp:
    """Return the Bolt app with nudgebot's listeners; listeners ack before any other database work.

    An answer press is kept in the inbox before its ack (`presses`), as over HTTP.
    """
    app = AsyncApp(
        client=channel.client,
        signing_secret=signing_secret,
        # The ack goes out first; the listener's work continues after the HTTP response.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    conversation = host.inbound

    async def fresh(body: dict[str, Any]) -> bool:
        # Slack retries events it thinks we missed; each event_id is processed once.
        event_id = body.get("event_id")
        return not event_id or not await conversation.seen(f"slack:event:{event_id}")

    @app.action(ANSWER_ACTION)
    async def on_answer(ack: Any, body: dict[str, Any]) -> None:
        """Keep a pressed choice in the inbox, acknowledge it, and record it (presses over Socket Mode come this way).

        Slack delivers an envelope again until it is acknowledged, and never after: kept first, a press
        survives a crash after the ack, and its key keeps a redelivery from being recorded twice.
        """
        await presses.receive(body)
        await ack()

    @app.command("/nudge")
    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """Run a /nudge sub-command and answer privately where it was typed."""
        await ack()
        event = command_event(body)
        reply = await conversation.handle(event, reply_via=str(body.get("response_url") or ""))
        await show_notice(channel, event.sender.user_id, str(body.get("channel_id") or ""), reply, respond=respond)

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publish the Home tab: campaigns, progress, streak, next nudge and, for managers, the team."""
        if event.get("tab", "home") != "home" or not await fresh(body):
            return
        user = str(event.get("user", ""))
        data = await asyncio.to_thread(_home, host, user)
        await channel.publish_home(user, home_view(data))

    @app.action(HOME_ACTIONS)
    async def on_home_action(ack: Any, body: dict[str, Any]) -> None:
        """Run a Home tab button (next lesson, pause a week, resume, language) as a command, then refresh the tab."""
        await ack()
        actions = body.get("actions") or []
        user = body.get("user") or {}
        found = home_command(actions[0]) if actions and isinstance(actions[0], dict) else None
        if found is None or not user.get("id"):
            return
        sender = sender_of(user)
        # The Home tab cannot show a toast: the answer arrives in the bot's DM, like a typed command's.
        await conversation.handle(CommandIssued(sender, found[0], found[1]), can_toast=False)
        data = await asyncio.to_thread(_home, host, sender.user_id)
        await channel.publish_home(sender.user_id, home_view(data))

    @app.event("user_change")
    async def on_user_change(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Follow a profile's time zone and deactivation."""
        user = event.get("user") or {}
        if not isinstance(user, dict) or not user.get("id") or not await fresh(body):
            return
        profile = profile_event(user)
        await conversation.handle(profile)
        if not profile.deleted and not user.get("is_bot"):
            await conversation.handle(Reachable(sender_of(user)))

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    async def on_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Stop all Slack sending at once; the queue stays for when the app is back."""
        await channel.stop_sending(str(event.get("type") or "tokens revoked"))

    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Typed DMs (the Messages tab): answers and commands, like /nudge; the bot's own messages are ignored."""
        typed = dm_event(event) or file_event(event)
        if typed is not None and await fresh(body):
            await conversation.handle(typed)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Log listener failures; Slack already got its ack."""
        log.error("slack: listener failed for %s: %r", body.get("type"), error, exc_info=error)

    return app


def is_answer_press(body: dict[str, Any]) -> bool:
    """Return True for a block_actions interaction on one of nudgebot's answer buttons."""
    actions = body.get("actions")
    return (body.get("type") == "block_actions" and isinstance(actions, list) and len(actions) == 1
            and isinstance(actions[0], dict) and bool(ANSWER_ACTION.match(str(actions[0].get("action_id", "")))))


def press_key(body: dict[str, Any]) -> str | None:
    """Return the inbox key of an answer press (who pressed what on which message, when); None if unknown."""
    actions = body.get("actions") or [{}]
    user = body.get("user") or {}
    container = body.get("container") or {}
    parts = (user.get("id") if isinstance(user, dict) else None, container.get("message_ts"),
             actions[0].get("action_ts"))
    if not all(isinstance(p, str) and p for p in parts) or answer_event(body) is None:
        return None
    return "slack:press:" + ":".join(str(p) for p in parts)


async def answer_press(host: ChannelHost, channel: SlackChannel, body: dict[str, Any], once: str = "") -> None:
    """Record a pressed choice; the conversation edits the question into its feedback.

    With `once` (its inbox key), a press handled before changes nothing and its inbox entry is marked done.
    """
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


class Presses:
    """Answer presses acknowledged over HTTP once kept in the inbox, recorded in tasks of their own after that."""

    def __init__(self, host: ChannelHost, channel: SlackChannel) -> None:
        self.host = host
        self.channel = channel
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(self, body: dict[str, Any]) -> None:
        """Keep the press in the inbox (return once it is kept, to acknowledge it), and record it after that.

        Slack shows the person an error for an interaction not acknowledged within 3 seconds, and never
        sends it again: when the database cannot keep it within ACK_WITHIN, it is acknowledged all the
        same and recorded once kept. A press handled before is not recorded again; one without a key is
        recorded without being kept.
        """
        key = press_key(body)
        if key is None:
            self._start(self._run(body, ""))
            return
        kept = asyncio.ensure_future(self.host.inbound.receive("slack", key, json.dumps(body)))
        self._start(self._once_kept(kept, body, key))
        done, _ = await asyncio.wait({kept}, timeout=ACK_WITHIN)
        if not done:
            log.warning("slack: press %s not kept after %gs (the database is slow); acknowledged all the same",
                        key, ACK_WITHIN)

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _once_kept(self, kept: asyncio.Future[Kept], body: dict[str, Any], key: str) -> None:
        try:
            if await kept != "handle":
                return  # a worker handles it, or it was handled before (Slack's retry, or a replay got there first)
        except Exception as exc:  # recorded all the same, only not kept
            log.error("slack: press %s could not be kept (%r)", key, exc)
        await self._run(body, key)

    async def replay(self, key: str, payload: str) -> None:
        """Record a kept press whose process stopped before recording it."""
        await answer_press(self.host, self.channel, json.loads(payload), once=key)

    async def _run(self, body: dict[str, Any], key: str) -> None:
        try:
            await answer_press(self.host, self.channel, body, once=key)
        except Exception as exc:  # still open in the inbox: a replay records it later
            log.error("slack: listener failed for block_actions: %r", exc, exc_info=exc)

    async def drain(self) -> None:
        """Wait for the presses still being recorded, then for the replies they queued."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))
        await self.host.inbound.drain()


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


def make_client(token: str, base_url: str) -> PooledWebClient:
    """Return the Web API client at `base_url`; the channel, not the client, retries."""
    if not base_url.endswith("/"):
        base_url += "/"
    return PooledWebClient(token=token, base_url=base_url, retry_handlers=[])
