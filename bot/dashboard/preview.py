"""A unit as it will look in Slack and in Telegram, from the channels' own pure renderers, as safe HTML.

The dashboard may import bot.channels.*.render (pure functions); the channels never import the dashboard.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bot.channels.slack import render as slack
from bot.channels.telegram import render as telegram
from core.ports import OutboundMessage

_TG_TAGS = re.compile(r"&lt;(/?)(b|i|u|s|code|pre|blockquote)&gt;")
_TG_LINK = re.compile(r"&lt;a href=&quot;([^&]*)&quot;&gt;(.*?)&lt;/a&gt;")
_SLACK_LINK = re.compile(r"&lt;([^|&]+)\|([^&]+)&gt;")
_SLACK_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_SLACK_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_SLACK_CODE = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Part:
    """One visible piece of a chat message: a header, a block of text, small print or buttons."""

    kind: str  # header, text, context, buttons
    html: Markup = Markup("")
    buttons: tuple[str, ...] = ()


def _slack_text(mrkdwn: str) -> Markup:
    safe = html.escape(html.unescape(mrkdwn), quote=True)
    safe = _SLACK_LINK.sub(r'<span class="link">\2</span>', safe)
    safe = _SLACK_CODE.sub(r"<code>\1</code>", safe)
    safe = _SLACK_BOLD.sub(r"<b>\1</b>", safe)
    safe = _SLACK_ITALIC.sub(r"<i>\1</i>", safe)
    return Markup(safe.replace("\n", "<br>"))  # built from escaped text above


def slack_parts(message: OutboundMessage) -> list[Part]:
    """Return the Slack Block Kit rendering of a message as display parts."""
    parts: list[Part] = []
    for block in slack.render(message)["blocks"]:
        kind: str = block["type"]
        if kind == "header":
            parts.append(Part("header", Markup.escape(block["text"]["text"])))
        elif kind == "section":
            parts.append(Part("text", _slack_text(block["text"]["text"])))
        elif kind == "context":
            parts.append(Part("context", _slack_text(" ".join(e.get("text", "") for e in block["elements"]))))
        elif kind == "actions":
            parts.append(Part("buttons", buttons=tuple(e["text"]["text"] for e in block["elements"])))
    return parts


def _telegram_text(text: str) -> Markup:
    safe = html.escape(text, quote=True)
    safe = _TG_LINK.sub(r'<span class="link">\2</span>', safe)
    safe = _TG_TAGS.sub(r"<\1\2>", safe)
    return Markup(safe.replace("\n", "<br>"))  # built from escaped text above


def telegram_parts(message: OutboundMessage) -> list[Part]:
    """Return the Telegram rendering (HTML parse mode, inline keyboard) of a message as display parts."""
    parts: list[Part] = []
    for m in telegram.render(message):
        parts.append(Part("text", _telegram_text(m.text)))
        markup: dict[str, Any] | None = m.reply_markup
        if markup:
            parts.append(Part("buttons", buttons=tuple(row[0]["text"] for row in markup["inline_keyboard"])))
    return parts
