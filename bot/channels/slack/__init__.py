"""Slack channel: slack-bolt and slack_sdk behind the ChatChannel port."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from bot.settings import Settings
from core.ports import ChannelHost

log = logging.getLogger("nudgebot.slack")

EVENTS_PATH = "/slack/events"
CONNECT_TIMEOUT = 15.0  # seconds for Socket Mode to connect before start-up goes on without it


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
    from bot.channels.slack.inbox import SlackInbox, inbox_key
    from bot.channels.slack.sync import before_tick_hook

    assert settings.slack_bot_token, "install() needs SLACK_BOT_TOKEN"
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    channel = SlackChannel(client, limiter=host.rate_limiter, workspace_rate=settings.slack_workspace_rate,
                           per_channel_interval=settings.slack_channel_interval)
    host.add_channel(channel)
    channel.on_stop = _tell_admins(host)
    if not settings.slack_signing_secret and not settings.slack_app_token:
        log.warning("slack: SLACK_SIGNING_SECRET is not set: every request to %s will be refused", EVENTS_PATH)
    inbox = SlackInbox(host, channel)
    app = build_app(host, channel, settings.slack_signing_secret or "", inbox)
    host.on_inbox("slack", inbox.replay)
    host.on_shutdown(inbox.drain)
    host.on_startup(client.open)  # Web API connections stay open on the web app's loop
    host.on_shutdown(client.aclose)
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
        if not body.strip():
            return Response(status_code=200)  # signed but empty: nothing to do, and no reason to retry
        data = _read(body, request.headers.get("content-type", ""))
        if data is None:
            return Response("malformed request body", status_code=400)
        key = inbox_key(data)
        if key is not None:
            # Answer presses (the hot path), typed DMs, /nudge and Home buttons, without Bolt's second pass
            # over the request: acknowledged once kept in the inbox (one commit with the others arriving now),
            # so a crash after the ack loses nothing; each is handled right after.
            await inbox.receive(data, key)
            return Response(status_code=200)
        try:
            response = await handler.handle(request)
        except ValueError:
            return Response("malformed request body", status_code=400)
        if response.status_code == 404:
            # Bolt's answer to an event we do not listen to; Slack would count it as a failure and retry.
            return Response(status_code=200)
        return response

    host.add_route(EVENTS_PATH, endpoint, ["POST"])
    host.before_tick(before_tick_hook(host, channel))
    host.provide("slack_app", app)
    host.provide("slack_channel", channel)
    if settings.slack_app_token:
        _socket_mode(host, app, settings.slack_app_token, settings.slack_api_url)


def _read(body: bytes, content_type: str) -> dict[str, Any] | None:
    """Return a signed body as Bolt would take it (a JSON object, a form's JSON payload, or the form); None if bad."""
    try:
        text = body.decode("utf-8")
        # Bolt reads a body starting with { as JSON, whatever its content type says.
        if "json" in content_type or text.startswith("{"):
            data = json.loads(text)
            return data if _shaped(data) else None
        form = parse_qs(text, keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    if "payload" in form:
        try:
            data = json.loads(form["payload"][0])
        except ValueError:
            return None
        return data if _shaped(data) else None
    return {k: v[0] for k, v in form.items()} if form else None


# Fields Bolt reads without checking their type; a signed body with another type there would crash it.
_OBJECTS = ("event", "team", "channel", "container", "message", "view", "enterprise", "state")
_TEXTS = ("type", "token", "team_id", "api_app_id", "event_id", "enterprise_id", "response_url", "trigger_id")
_LISTS = ("authorizations", "actions")


def _shaped(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    if any(k in data and not isinstance(data[k], dict) for k in _OBJECTS):
        return False
    if "user" in data and not isinstance(data["user"], dict | str):
        return False
    if any(k in data and not isinstance(data[k], str) for k in _TEXTS):
        return False
    if any(k in data and not (isinstance(data[k], list) and all(isinstance(x, dict) for x in data[k]))
           for k in _LISTS):
        return False
    event = data.get("event")
    return not isinstance(event, dict) or isinstance(event.get("type", ""), str)


def _tell_admins(host: ChannelHost) -> Callable[[str], Awaitable[None]]:
    from core.services import alerts

    def queue(reason: str) -> list[str]:
        with host.db.session() as s:
            return alerts.platform_stopped(s, "slack", reason, host.clock.now())

    async def tell(reason: str) -> None:
        """Queue a note to the admins on their other platform, or log that nobody could be told."""
        told = await asyncio.to_thread(queue, reason)
        if told:
            log.error("slack: told %s that Slack sending stopped", ", ".join(told))
        else:
            log.error("slack: no admin can be reached on another channel; this log is the only notice")

    return tell


def _socket_mode(host: ChannelHost, app: Any, app_token: str, api_url: str) -> None:
    import aiohttp
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.channels.slack.app import make_client

    state: dict[str, Any] = {}

    async def start() -> None:
        """Connect to Slack over Socket Mode; a refused app token is one error line, and HTTP keeps serving."""
        probe = make_client(app_token, api_url)
        try:
            # One try, not the Socket Mode client's endless retries (which kept the web app from starting).
            await asyncio.wait_for(probe.apps_connections_open(app_token=app_token), CONNECT_TIMEOUT)
        except SlackApiError as exc:
            log.error("slack: SLACK_APP_TOKEN was refused (%s); Socket Mode is off, serving HTTP only",
                      exc.response.get("error", "error"))
            return
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.error("slack: could not reach Slack for Socket Mode (%r); serving HTTP only", exc)
            return
        socket = AsyncSocketModeHandler(app, app_token)
        socket.client.web_client = probe
        try:
            await asyncio.wait_for(socket.connect_async(), CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        except Exception as exc:
            log.error("slack: Socket Mode did not connect (%r); serving HTTP only", exc)
            await socket.close_async()  # type: ignore[no-untyped-call]
            return
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
