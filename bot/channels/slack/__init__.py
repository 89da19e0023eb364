"""Slack channel: slack-bolt and slack_sdk behind the ChatChannel port."""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import Settings
from core.ports import ChannelHost

log = logging.getLogger("nudgebot.slack")

EVENTS_PATH = "/slack/events"


def is_configured(settings: Settings) -> bool:
    """Return True when a Slack bot token is set."""
    return bool(settings.slack_bot_token)


def install(host: ChannelHost, settings: Settings) -> None:
    """Add the Slack channel, its /slack/events route, Socket Mode and the profile sync hook."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_sdk.signature import SignatureVerifier
    from starlette.requests import Request
    from starlette.responses import Response

    from bot.channels.slack.app import build_app, make_client
    from bot.channels.slack.channel import SlackChannel
    from bot.channels.slack.sync import before_tick_hook

    assert settings.slack_bot_token, "install() needs SLACK_BOT_TOKEN"
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    channel = SlackChannel(client, workspace_rate=settings.slack_workspace_rate)
    host.add_channel(channel)
    if not settings.slack_signing_secret and not settings.slack_app_token:
        log.warning("slack: SLACK_SIGNING_SECRET is not set: every request to %s will be refused", EVENTS_PATH)
    app = build_app(host, channel, settings.slack_signing_secret or "")
    handler = AsyncSlackRequestHandler(app)

    verifier = SignatureVerifier(settings.slack_signing_secret or "")

    async def endpoint(request: Request) -> Response:
        """Handle Events API, interactivity and slash commands, refusing unsigned or stale requests."""
        body = await request.body()
        # Checked before Bolt parses the body, so a forged body of any shape gets 401, never a 500.
        try:
            valid = bool(settings.slack_signing_secret) and verifier.is_valid_request(body, request.headers)
        except ValueError:
            valid = False
        if not valid:
            return Response("invalid request signature", status_code=401)
        try:
            return await handler.handle(request)
        except ValueError:
            return Response("malformed request body", status_code=400)

    host.add_route(EVENTS_PATH, endpoint, ["POST"])
    host.before_tick(before_tick_hook(host, channel))
    host.provide("slack_app", app)
    host.provide("slack_channel", channel)
    if settings.slack_app_token:
        _socket_mode(host, app, settings.slack_app_token)


def _socket_mode(host: ChannelHost, app: Any, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    state: dict[str, Any] = {}

    async def start() -> None:
        """Connect to Slack over Socket Mode (no public URL needed)."""
        socket = AsyncSocketModeHandler(app, app_token)
        await socket.connect_async()  # type: ignore[no-untyped-call]
        state["handler"] = socket
        log.info("slack: connected in Socket Mode")

    async def stop() -> None:
        """Close the Socket Mode connection."""
        socket = state.pop("handler", None)
        if socket is not None:
            await socket.close_async()

    host.on_startup(start)
    host.on_shutdown(stop)


def fetch_audience_groups(settings: Settings, names: list[str]) -> dict[str, list[str]]:
    """Return the Slack user ids of each named user group (an audience source for campaigns)."""
    from bot.channels.slack.usergroups import fetch_audience_groups as fetch

    return fetch(settings, names)
