"""Slack user groups as a campaign audience source (usergroups.list, usergroups.users.list)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import UserError


async def usergroup_members(client: AsyncWebClient, names: list[str]) -> dict[str, list[str]]:
    """Return the Slack user ids in each named user group (by handle, with or without @, name or id)."""
    try:
        listing = await client.usergroups_list(include_disabled=False)
        groups = listing.get("usergroups") or []
        ids: dict[str, str] = {}
        for g in groups:
            for key in (g.get("id"), g.get("handle"), g.get("name")):
                if key:
                    ids.setdefault(str(key).casefold(), str(g["id"]))
        out: dict[str, list[str]] = {}
        for name in names:
            group_id = ids.get(name.lstrip("@").casefold())
            if group_id is None:
                raise UserError(f"audience.slack_usergroups: Slack has no user group {name!r}")
            users = await client.usergroups_users_list(usergroup=group_id)
            out[name] = [str(u) for u in users.get("users") or []]
        return out
    except SlackApiError as exc:
        raise UserError(f"audience.slack_usergroups: Slack refused: {exc.response.get('error')} "
                        "(the app needs the usergroups:read scope)") from None


def fetch_audience_groups(settings: object, names: list[str]) -> dict[str, list[str]]:
    """Fetch the members of Slack user groups `names` once, for resolving a campaign audience."""
    import asyncio

    from bot.channels.slack.app import make_client

    token = getattr(settings, "slack_bot_token", None)
    if not token:
        raise UserError("audience.slack_usergroups: Slack is not configured (set SLACK_BOT_TOKEN)")
    client = make_client(token, getattr(settings, "slack_api_url", ""))
    return asyncio.run(usergroup_members(client, names))
