"""The Slack ChatChannel: DMs through slack_sdk's AsyncWebClient, paced per channel and per workspace."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.slack.render import render
from core.ports import DeliveryError, Image, OutboundMessage, RecipientGone, RetryLater, TransientError
from core.ratelimit import Limit, SharedLimiter

log = logging.getLogger("nudgebot.slack")

# Errors meaning this person can never get a DM from us: left, deactivated, or not a DM-able user.
GONE_ERRORS = frozenset({
    "user_not_found", "users_not_found", "user_disabled", "cannot_dm_bot",
    "user_not_visible", "is_bot", "user_is_bot", "not_in_workspace",
})
# Errors meaning our token no longer works (app uninstalled, token revoked, workspace or bot
# deactivated): every further call would fail the same way, so all Slack sending stops at once.
AUTH_ERRORS = frozenset({"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed",
                         "app_uninstalled", "team_disabled"})
METADATA_EVENT = "nudgebot_delivery"  # message metadata tagging each post with its outbox key
STOPPED_RETRY = 600.0  # while sending is stopped, queued messages are looked at again this often
# Errors meaning a cached DM channel id went stale; opening the conversation again fixes it.
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


def retry_after_of(err: SlackApiError) -> float:
    """Return the Retry-After of a 429 answer, in seconds (1 when Slack did not say)."""
    headers = getattr(err.response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except ValueError:
        return 1.0


def error_code(err: SlackApiError) -> str:
    """Return Slack's `error` string from a failed call, or '' when the body was not JSON."""
    data = getattr(err.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", ""))
    return ""


def classify(err: Exception, address: str) -> DeliveryError:
    """Map a Web API failure to the port's delivery errors."""
    if isinstance(err, SlackApiError):
        status = getattr(err.response, "status_code", 0)
        code = error_code(err)
        if status == 429 or code == "ratelimited":
            return RetryLater(retry_after_of(err), f"slack rate limited ({address})")
        if code in GONE_ERRORS:
            return RecipientGone("deactivated", f"slack: {address}: {code}")
        if status >= 500 or code in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
            return TransientError(f"slack: HTTP {status} {code}".rstrip())
        return DeliveryError(f"slack: {code or f'HTTP {status}'}")
    if isinstance(err, SlackRequestError):  # e.g. the file upload URL answered an error
        return TransientError(f"slack: {err}")
    if isinstance(err, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return TransientError(f"slack: network error: {err!r}")
    return DeliveryError(f"slack: {err!r}")


class SendingStopped(RetryLater):
    """Slack refused our token: nothing is sent until the app is reinstalled and the process restarted."""


class SlackChannel:
    """Sends DMs through the Slack Web API; `send` waits for a per-DM and a workspace-wide slot.

    The slots come from the limiter every process of the deployment shares. The workspace rate is a
    ceiling Slack does not publish: it starts at `workspace_rate`, each 429 cuts it and holds every
    send (also those already given a slot) for the Retry-After, and it grows back slowly.
    """

    name = "slack"
    stopped: str = ""  # why sending stopped (an auth error or uninstall event); empty while sending

    def __init__(self, client: AsyncWebClient, *, limiter: SharedLimiter, workspace_rate: float = 20.0,
                 per_channel_interval: float = 1.0, margin: float = 0.03) -> None:
        self.client = client
        self.limiter = limiter
        app = hashlib.sha256((client.token or "").encode()).hexdigest()[:12]  # one workspace's token
        self._prefix = f"slack:{app}"
        self.pause_key = f"{self._prefix}:pause"
        self.workspace = Limit(f"{self._prefix}:workspace", 1.0 / workspace_rate, adaptive=True)
        self.per_channel_interval = per_channel_interval * (1.0 + margin)
        self._dm: dict[str, str] = {}  # user id -> DM channel id from conversations.open
        self._opening: dict[str, asyncio.Lock] = {}
        self.on_stop: Callable[[str], Awaitable[None]] | None = None  # tells admins; set by install

    async def stop_sending(self, reason: str) -> None:
        """Stop every Slack call at once (the queue stays), and say so once."""
        if self.stopped:
            return
        self.stopped = reason
        log.error("slack: sending stopped (%s); queued messages stay queued until the app is reinstalled "
                  "and nudgebot restarted", reason)
        if self.on_stop is not None:
            try:
                await self.on_stop(reason)
            except Exception:
                log.exception("slack: could not tell the admins that sending stopped")

    def _check_running(self) -> None:
        if self.stopped:
            raise SendingStopped(STOPPED_RETRY, f"slack sending stopped ({self.stopped})")

    async def _call(self, method: str, address: str, **kwargs: Any) -> Any:
        return await self._guard(address, lambda: self.client.api_call(method, json=kwargs))

    async def _guard(self, address: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """Make one Web API request, mapping every failure to the port's errors."""
        self._check_running()
        try:
            return await call()
        except Exception as exc:  # every failure is mapped to the port's errors
            if isinstance(exc, SlackApiError) and error_code(exc) in AUTH_ERRORS:
                await self.stop_sending(error_code(exc))
                raise SendingStopped(STOPPED_RETRY, f"slack sending stopped ({error_code(exc)})") from exc
            mapped = classify(exc, address)
            if isinstance(mapped, RetryLater):
                # Web API limits are per workspace: everyone waits, in every process, not just this sender.
                await self.limiter.pause(self.pause_key, mapped.retry_after, cut=[self.workspace])
            raise mapped from exc

    def remember_dm(self, user_id: str, channel_id: str) -> None:
        """Note a user's DM channel seen in an event from it, so replying needs no conversations.open."""
        if channel_id.startswith("D") and user_id and user_id[:1] not in ("D", "C", "G"):
            self._dm.setdefault(user_id, channel_id)

    async def dm_channel(self, user_id: str) -> str:
        """Return the DM channel id for a user, opening the conversation once and caching it."""
        if user_id[:1] in ("D", "C", "G"):
            return user_id  # already a conversation id
        cached = self._dm.get(user_id)
        if cached:
            return cached
        lock = self._opening.setdefault(user_id, asyncio.Lock())
        async with lock:
            if user_id not in self._dm:
                resp = await self._call("conversations.open", user_id, users=user_id)
                self._dm[user_id] = resp["channel"]["id"]
            return self._dm[user_id]

    async def _pace(self, channel: str) -> None:
        # About one message per second per conversation, as Slack asks of chat.postMessage, and the
        # workspace's ceiling over every conversation.
        per_channel = Limit(f"{self._prefix}:chat:{channel}", self.per_channel_interval)
        await self.limiter.acquire([self.workspace, per_channel], self.pause_key)

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Post `message` as a DM to a Slack user (or privately where they typed a command); return its ref.

        A picture stored with the message is uploaded and shared in the DM first (files upload v2,
        its alt text as the comment); a picture on the web rides in the message as an image block.
        """
        self._check_running()
        if message.reply_via and await self._respond(message.reply_via, message):
            return "ephemeral:"
        channel = await self.dm_channel(address)
        if message.image is None or not message.image.data:
            return await self._post(address, channel, message)
        await self._share_file(address, channel, message.image)
        # The picture is out: retry the text here, as a retry of the whole send would repeat the picture.
        for attempt in range(4):
            try:
                return await self._post(address, channel, message)
            except (RetryLater, TransientError) as exc:
                if attempt == 3:
                    raise
                await asyncio.sleep(min(exc.retry_after, 30.0) if isinstance(exc, RetryLater) else 0.2 * 2**attempt)
        raise AssertionError("unreachable")

    async def _post(self, address: str, channel: str, message: OutboundMessage) -> str:
        await self._pace(channel)
        extra: dict[str, Any] = {}
        if message.delivery_key:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": message.delivery_key}}
        try:
            resp = await self._call("chat.postMessage", address, channel=channel, unfurl_links=False,
                                    unfurl_media=False, **render(message), **extra)
        except DeliveryError as exc:
            stale = _code(exc) in STALE_CHANNEL_ERRORS and address in self._dm
            if stale:
                del self._dm[address]
                raise TransientError(f"slack: DM channel for {address} went stale; reopening") from exc
            if _code(exc) == "invalid_blocks" and message.image is not None and message.image.url:
                # Slack could not fetch the picture: the message must not be held back by it.
                log.warning("slack: picture %s refused; sending the message without it", message.image.url)
                return await self._post(address, channel, dataclasses.replace(message, image=None))
            raise
        return f"{resp['channel']}:{resp['ts']}"

    async def _share_file(self, address: str, channel: str, image: Image) -> str:
        """Upload a picture and share it in `channel` (getUploadURLExternal, POST, completeUploadExternal)."""
        await self._pace(channel)
        resp = await self._guard(address, lambda: self.client.files_upload_v2(
            content=image.data, filename=image.name, title=image.name, alt_txt=image.alt[:1000] or None,
            channel=channel, initial_comment=image.alt or None))
        return str((resp.get("file") or {}).get("id", ""))

    async def find_sent(self, address: str, delivery_key: str) -> str | None:
        """Return the ref of our recent DM to `address` tagged with `delivery_key` (conversations.history)."""
        channel = await self.dm_channel(address)
        cursor = ""
        for _ in range(5):  # a crashed send is among the last few hundred messages of its DM
            args: dict[str, Any] = {"channel": channel, "limit": 100, "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            resp = await self._call("conversations.history", address, **args)
            for m in resp.get("messages") or []:
                meta = m.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and payload.get("key") == delivery_key:
                    return f"{channel}:{m['ts']}"
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return None

    async def _respond(self, response_url: str, message: OutboundMessage) -> bool:
        # A slash command's response_url shows the answer only to its author, where they typed it.
        await self.limiter.wait_unpaused(self.pause_key)
        try:
            resp = await AsyncWebhookClient(response_url).send_dict(
                {"response_type": "ephemeral", "replace_original": False, **render(message)})
        except Exception as exc:  # fall back to a DM
            log.warning("slack: response_url failed (%r); sending a DM instead", exc)
            return False
        if resp.status_code != 200:
            log.warning("slack: response_url answered HTTP %s; sending a DM instead", resp.status_code)
        return bool(resp.status_code == 200)

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Replace a sent message in place (chat.update), waiting out a rate limit a few times."""
        self._check_running()
        channel, _, ts = ref.partition(":")
        if not channel or not ts:
            raise DeliveryError(f"slack: not a message reference: {ref!r}")
        for attempt in range(4):
            try:
                await self._call("chat.update", address, channel=channel, ts=ts, **render(message))
                return
            except RetryLater as exc:
                if attempt == 3:
                    raise
                await asyncio.sleep(min(exc.retry_after, 30.0))
            except TransientError:
                if attempt == 3:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)

    async def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        """Show `text` to one user only, in the conversation where they acted; never raises."""
        try:
            await self.limiter.wait_unpaused(self.pause_key)
            await self._call("chat.postEphemeral", user, channel=channel, user=user, text=text)
        except DeliveryError as exc:
            log.warning("slack: could not show a note to %s: %s", user, exc)

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """Publish a user's App Home view."""
        await self._call("views.publish", user, user_id=user, view=view)

    async def user_info(self, user: str) -> dict[str, Any]:
        """Return users.info's user object (with locale); raise RecipientGone for unknown users."""
        try:
            resp = await self.client.users_info(user=user, include_locale=True)
        except Exception as exc:  # mapped to the port's errors
            raise classify(exc, user) from exc
        return dict(resp["user"])

    async def lookup_by_email(self, email: str) -> dict[str, Any] | None:
        """Return the workspace user with this email, or None when there is none."""
        try:
            resp = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if error_code(exc) in ("users_not_found", "user_not_found"):
                return None
            raise classify(exc, email) from exc
        except Exception as exc:  # mapped to the port's errors
            raise classify(exc, email) from exc
        return dict(resp["user"])


def _code(exc: DeliveryError) -> str:
    cause = exc.__cause__
    return error_code(cause) if isinstance(cause, SlackApiError) else ""
