"""The Bolt app: keep or acknowledge at once, then turn Slack requests into neutral events for the conversation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.client import PooledWebClient
from bot.channels.slack.events import profile_event, sender_of
from bot.channels.slack.inbox import ANSWER_ACTION, HOME_ACTIONS, SlackInbox, inbox_key, publish_home
from core.ports import ChannelHost, Reachable

log = logging.getLogger("nudgebot.slack")


def build_app(host: ChannelHost, channel: SlackChannel, signing_secret: str, inbox: SlackInbox) -> AsyncApp:
    """Return the Bolt app with nudgebot's listeners; listeners ack before any other database work.

    Answer presses, typed DMs, /nudge commands and Home buttons are kept in the inbox before their ack
    (`inbox`), over Socket Mode as over HTTP.
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

    @app.middleware
    async def kept_first(body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        """Keep a request worth keeping in the inbox, then let Bolt acknowledge it (requests over Socket Mode).

        Slack delivers an envelope again until it is acknowledged, and never after: kept first, a request
        survives a crash after the ack, and its key keeps a redelivery from being handled twice. Bolt
        acknowledges a Socket Mode envelope when dispatch returns, so this runs before that; over HTTP the
        endpoint keeps these requests before Bolt sees them.
        """
        key = inbox_key(body)
        if key is None:
            return await next()
        await inbox.receive(body, key)
        return BoltResponse(status=200, body="")

    async def kept_then_ack(ack: Any, body: dict[str, Any]) -> None:
        """Handle a request with no inbox key (nothing to keep it by), after its ack."""
        await ack()
        await inbox.receive(body)

    app.action(ANSWER_ACTION)(kept_then_ack)
    app.action(HOME_ACTIONS)(kept_then_ack)
    app.command("/nudge")(kept_then_ack)

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publish the Home tab: campaigns, progress, streak, next nudge and, for managers, the team."""
        if event.get("tab", "home") != "home" or not await fresh(body):
            return
        await publish_home(host, channel, str(event.get("user", "")))

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
    async def on_message(body: dict[str, Any]) -> None:
        """Typed DMs (the Messages tab): answers and commands, like /nudge; the bot's own messages are ignored."""
        await inbox.receive(body)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Log listener failures; Slack already got its ack."""
        log.error("slack: listener failed for %s: %r", body.get("type"), error, exc_info=error)

    return app


def make_client(token: str, base_url: str) -> PooledWebClient:
    """Return the Web API client at `base_url`; the channel, not the client, retries."""
    if not base_url.endswith("/"):
        base_url += "/"
    return PooledWebClient(token=token, base_url=base_url, retry_handlers=[])
