"""The Bolt app: acknowledge at once, then turn Slack requests into neutral events for the conversation."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.events import answer_event, command_event, profile_event, sender_of
from bot.channels.slack.home import home_data
from bot.channels.slack.render import home_view, render
from core.ports import OutboundMessage, Reachable

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.conversation import Reply

log = logging.getLogger("nudgebot.slack")

ANSWER_ACTION = re.compile(r"^a:")


def build_app(services: Services, channel: SlackChannel, signing_secret: str) -> AsyncApp:
    """Return the Bolt app with nudgebot's listeners; listeners ack before any database work."""
    app = AsyncApp(
        client=channel.client,
        signing_secret=signing_secret,
        # The ack goes out first; the listener's work continues after the HTTP response.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    conversation = services.conversation

    async def fresh(body: dict[str, Any]) -> bool:
        # Slack retries events it thinks we missed; each event_id is processed once.
        event_id = body.get("event_id")
        return not event_id or not await conversation.seen(f"slack:event:{event_id}")

    @app.action(ANSWER_ACTION)
    async def on_answer(ack: Any, body: dict[str, Any]) -> None:
        """Record a pressed choice; the conversation edits the question into its feedback."""
        await ack()
        event = answer_event(body)
        if event is None:
            return
        reply = await conversation.handle(event)
        where = event.message_ref.partition(":")[0] or event.sender.user_id
        await show(channel, event.sender.user_id, where, reply, respond=None)

    @app.command("/nudge")
    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """Run a /nudge sub-command and answer privately where it was typed."""
        await ack()
        event = command_event(body)
        reply = await conversation.handle(event)
        await show(channel, event.sender.user_id, str(body.get("channel_id") or ""), reply, respond=respond)

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publish the Home tab: campaigns, progress, streak, next nudge and, for managers, the team."""
        if event.get("tab", "home") != "home" or not await fresh(body):
            return
        user = str(event.get("user", ""))
        data = await asyncio.to_thread(_home, services, user)
        await channel.publish_home(user, home_view(data))

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

    @app.event("message")
    async def on_message(body: dict[str, Any]) -> None:
        """Ignore DMs typed to the bot; commands go through /nudge."""

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Log listener failures; Slack already got its ack."""
        log.error("slack: listener failed for %s: %r", body.get("type"), error, exc_info=error)

    return app


def _home(services: Services, user: str) -> Any:
    with services.db.session() as s:
        return home_data(s, user, services.clock.now())


async def show(channel: SlackChannel, user: str, where: str, reply: Reply, respond: Any) -> None:
    """Show a Reply privately: the notice as an ephemeral note, messages in place (or by DM)."""
    texts = {m.text for m in reply.messages}
    if reply.notice and reply.notice not in texts:
        if respond is not None and await _respond(respond, {"text": reply.notice}):
            pass
        elif where:
            await channel.post_ephemeral(where, user, reply.notice)
    for message in reply.messages:
        if respond is not None and await _respond(respond, render(message)):
            continue
        await _dm(channel, user, message)


async def _respond(respond: Any, payload: dict[str, Any]) -> bool:
    try:
        resp = await respond(response_type="ephemeral", replace_original=False, **payload)
    except Exception as exc:  # fall back to a DM
        log.warning("slack: response_url failed (%r); sending a DM instead", exc)
        return False
    status = getattr(resp, "status_code", 200)
    if status != 200:
        log.warning("slack: response_url answered HTTP %s; sending a DM instead", status)
    return bool(status == 200)


async def _dm(channel: SlackChannel, user: str, message: OutboundMessage) -> None:
    try:
        await channel.send(user, message)
    except Exception as exc:  # a reply that cannot be shown is logged, not raised
        log.warning("slack: could not send a reply to %s: %r", user, exc)


def make_client(token: str, base_url: str) -> AsyncWebClient:
    """Return the Web API client at `base_url`; the channel, not the client, retries."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=[])
