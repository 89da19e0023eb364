"""Translate Slack request bodies into the neutral inbound events. Pure functions, no I/O."""

from __future__ import annotations

from typing import Any

from core.ports import AnswerChosen, CommandIssued, ProfileChanged, Sender


def sender_of(user: dict[str, Any] | str, locale: str = "") -> Sender:
    """Return the Sender for a Slack user object or id."""
    if isinstance(user, str):
        return Sender(channel="slack", user_id=user, language=locale)
    name = user.get("real_name") or user.get("name") or user.get("username") or ""
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or name
    return Sender(channel="slack", user_id=str(user.get("id", "")), display_name=name,
                  language=_language(locale or user.get("locale") or ""))


def _language(locale: str) -> str:
    # Slack locales look like "en-US"; the bot's languages are two-letter codes.
    return locale.split("-")[0].lower() if locale else ""


def message_ref(body: dict[str, Any]) -> str:
    """Return "<channel>:<ts>" of the message an interaction came from, or ''."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
    return f"{channel}:{ts}" if channel and ts else ""


def answer_event(body: dict[str, Any]) -> AnswerChosen | None:
    """Return the AnswerChosen of a block_actions payload (the button's value), or None."""
    actions = body.get("actions") or []
    if not actions or not isinstance(actions[0], dict):
        return None
    value = actions[0].get("value")
    user = body.get("user") or {}
    if not value or not user.get("id"):
        return None
    return AnswerChosen(sender=sender_of(user), action=str(value), message_ref=message_ref(body))


def command_event(body: dict[str, Any]) -> CommandIssued:
    """Return the CommandIssued of a `/nudge <sub> [args]` slash command (empty text means help)."""
    words = str(body.get("text") or "").split()
    # Unknown sub-commands reach the conversation as-is so it can say it did not understand.
    sub = words[0].lower() if words else "help"
    return CommandIssued(sender=_command_sender(body), command=sub, args=words[1:])


def _command_sender(body: dict[str, Any]) -> Sender:
    return Sender(channel="slack", user_id=str(body.get("user_id", "")),
                  display_name=str(body.get("user_name", "")))


def profile_event(user: dict[str, Any]) -> ProfileChanged:
    """Return the ProfileChanged of a user_change event's (or users.info's) user object."""
    return ProfileChanged(sender=sender_of(user), timezone=str(user.get("tz") or ""),
                          locale=str(user.get("locale") or ""), deleted=bool(user.get("deleted")))
