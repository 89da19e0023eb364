"""What the Bot API refuses in a message's text and markup: HTML entities, lengths, reply keyboards.

The emulator (tests/telegram/emulator.py) answers 400 with these descriptions, as Telegram does.
"""

from __future__ import annotations

import html.parser
import re
from typing import Any

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                "span", "blockquote", "tg-emoji"}
_TAG_RE = re.compile(r"</?([a-z-]+)(\s[^<>]*)?>")


class _HTMLCheck(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"Unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"Unexpected end tag \"{tag}\"")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_text(text: str) -> tuple[str, list[str]]:
    """Return the visible text of Telegram HTML and the parse errors Telegram would report."""
    errors: list[str] = []
    bare = _TAG_RE.sub("", text)
    if "<" in bare:
        errors.append("Unsupported start tag or unescaped \"<\"")
    if re.search(r"&(?!(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);)", bare):
        errors.append("Character '&' is reserved and must be escaped")
    checker = _HTMLCheck()
    checker.feed(text)
    checker.close()
    errors.extend(checker.errors)
    if checker.stack:
        errors.append(f"Can't find end tag corresponding to start tag \"{checker.stack[-1]}\"")
    return "".join(checker.text), errors


def check_markup(markup: dict[str, Any]) -> str:
    """Return what Telegram would refuse in a reply_markup (one kind only; reply keyboards well formed)."""
    kinds = [k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply") if k in markup]
    if len(kinds) > 1:
        return "can't parse reply keyboard markup JSON object"
    if "remove_keyboard" in markup and markup["remove_keyboard"] is not True:
        return "remove_keyboard must be true"
    for row in markup.get("keyboard", []):
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                return "keyboard button text is empty"
            if "request_location" in button and not isinstance(button["request_location"], bool):
                return "request_location must be a Boolean"
    return ""


def utf16_len(text: str) -> int:
    """Return the length Telegram counts (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2
