"""Typed direct messages (the app's Messages tab): what a learner types to the bot becomes a TextSent.

Only plain messages a person typed in the bot's DM count: the bot's own messages, other bots, edits,
deletions and other subtypes are ignored, so the bot never answers itself.
"""

from __future__ import annotations

from typing import Any

from bot.channels.slack.events import sender_of
from core.ports import TextSent, UnsupportedSent


def dm_event(event: dict[str, Any]) -> TextSent | None:
    """Return the TextSent of a `message.im` event a person typed, or None for anything else."""
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
        return None
    user, text = str(event.get("user") or ""), str(event.get("text") or "").strip()
    if not user or not text:
        return None
    return TextSent(sender_of(user), text)


def file_event(event: dict[str, Any]) -> UnsupportedSent | None:
    """Return an UnsupportedSent for a file (image, voice clip, document) a person shared in the bot's DM."""
    if event.get("type") != "message" or event.get("channel_type") != "im" or event.get("subtype") != "file_share":
        return None
    if event.get("bot_id") or event.get("bot_profile") or not event.get("user"):
        return None
    files = event.get("files") or [{}]
    first = files[0] if isinstance(files[0], dict) else {}
    return UnsupportedSent(sender_of(str(event["user"])), str(first.get("filetype") or "file"))
