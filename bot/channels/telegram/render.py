"""Render neutral OutboundMessages as Telegram HTML messages. Pure functions, no I/O.

Telegram's HTML parse mode accepts a handful of tags and rejects the whole message when one is
malformed, so every line is converted on its own (tags never span lines) and text is escaped
with html.escape. Messages longer than Telegram's limit are split on paragraph, then line, then
word boundaries, so a part never ends inside a tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.i18n import translate
from core.ports import Button, OutboundMessage

MAX_TEXT = 4096  # Telegram's limit for one message, counted in UTF-16 code units
MAX_CAPTION = 1024  # Telegram's limit for a photo's caption
MAX_CALLBACK_DATA = 64  # bytes

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD2 = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD1 = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
_TAG = re.compile(r"(<[^>]*>)")
_BULLET = re.compile(r"^(\s*)[-*•]\s+")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


@dataclass(frozen=True)
class TelegramMessage:
    """One sendMessage worth of content: HTML text and an optional inline keyboard."""

    text: str
    reply_markup: dict[str, Any] | None = None


def utf16_len(text: str) -> int:
    """Return the length of `text` the way Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _outside_tags(text: str, fn: Callable[[str], str]) -> str:
    # Apply a substitution only to text between tags, so no tag ever ends up inside another's span.
    return "".join(part if part.startswith("<") else fn(part) for part in _TAG.split(text))


def inline(markdown: str) -> str:
    """Convert one line of Markdown to Telegram HTML: code, links, bold, italic; everything else escaped."""
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    text = _CODE.sub(lambda m: keep(f"<code>{html.escape(m.group(1), quote=False)}</code>"),
                     markdown.replace("\x00", ""))
    text = _LINK.sub(lambda m: keep(f'<a href="{html.escape(m.group(2), quote=True)}">'
                                    f"{html.escape(m.group(1), quote=False)}</a>"), text)
    text = html.escape(text, quote=False)
    text = _outside_tags(text, lambda s: _BOLD2.sub(r"<b>\1</b>", s))
    text = _outside_tags(text, lambda s: _BOLD1.sub(r"<b>\1</b>", s))
    text = _outside_tags(text, lambda s: _ITALIC.sub(r"<i>\1</i>", s))
    return re.sub(r"\x00(\d+)\x00", lambda m: stash[int(m.group(1))], text)


def markdown_lines(markdown: str) -> list[str]:
    """Convert a Markdown body to a list of HTML lines (bullets as •, headings bold)."""
    out = []
    for raw in markdown.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            out.append(f"<b>{inline(heading.group(1))}</b>")
            continue
        bullet = _BULLET.match(line)
        if bullet and not line.lstrip().startswith("**"):
            out.append(f"{bullet.group(1)}• {inline(line[bullet.end():])}")
            continue
        out.append(inline(line))
    return out


def table_blocks(rows: tuple[tuple[str, ...], ...], limit: int = MAX_TEXT) -> list[str]:
    """Render table rows as aligned monospace <pre> blocks, each within `limit`."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    cells = [tuple(r) + ("",) * (width - len(r)) for r in rows]
    sizes = [max(len(r[i]) for r in cells) for i in range(width)]
    lines = ["  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * s for s in sizes))
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        escaped = html.escape(line[: limit - 20], quote=False)
        candidate = "<pre>" + "\n".join([*current, escaped]) + "</pre>"
        if current and utf16_len(candidate) > limit:
            blocks.append("<pre>" + "\n".join(current) + "</pre>")
            current = []
        current.append(escaped)
    blocks.append("<pre>" + "\n".join(current) + "</pre>")
    return blocks


def _cost(text: str) -> int:
    # An upper bound of the rendered size: escaping as measured, plus room for the tags that
    # Markdown markers may turn into (the widest, `code`, adds 11 for 2 markers).
    return utf16_len(html.escape(text, quote=True)) + 6 * sum(text.count(c) for c in "*_`[]()#")


def _split_source_line(line: str, limit: int) -> list[str]:
    # An over-long line is cut at spaces in its Markdown source and each piece rendered on its own,
    # so a formatting span that straddles a cut simply stays literal instead of breaking the HTML.
    pieces: list[str] = []
    current, size = "", 0
    for word in re.split(r"(?<=\s)", line):
        cost = _cost(word)
        if current and size + cost > limit:
            pieces.append(current)
            current, size = "", 0
        if cost > limit:  # one enormous word: cut it by characters
            for ch in word:
                c = _cost(ch)
                if size + c > limit:
                    pieces.append(current)
                    current, size = "", 0
                current, size = current + ch, size + c
            continue
        current, size = current + word, size + cost
    if current:
        pieces.append(current)
    return pieces


def _blocks(message: OutboundMessage, limit: int) -> list[str]:
    """Return self-contained HTML paragraphs of a message, each within `limit`."""
    paragraphs: list[str] = []
    if message.title:
        paragraphs.append(f"<b>{html.escape(message.title, quote=False)}</b>")
    body = message.text
    if not body.strip() and message.outcome is not None:
        o = message.outcome
        loc = message.locale
        verdict = (translate(loc, "✅ Correct!") if o.correct
                   else translate(loc, "❌ Not quite. The correct answer is: {answer}", answer=o.correct_choice))
        chosen = translate(loc, "Your answer: {answer}", answer=o.chosen)
        body = "\n\n".join(p for p in (chosen, verdict, o.feedback, o.explanation) if p)
    for para in re.split(r"\n\s*\n", body.strip()):
        if not para.strip():
            continue
        lines = []
        for source in para.split("\n"):
            rendered = markdown_lines(source)[0]
            if utf16_len(rendered) <= limit:
                lines.append(rendered)
            else:
                lines.extend(markdown_lines(p)[0] for p in _split_source_line(source, limit))
        paragraphs.append("\n".join(lines))
    paragraphs.extend(table_blocks(message.table, limit))
    if message.footer:
        paragraphs.append(f"<i>{html.escape(message.footer, quote=False)}</i>")
    return paragraphs


def split_html(paragraphs: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Pack HTML paragraphs into parts of at most `limit`, breaking between paragraphs, then lines."""
    parts: list[str] = []
    current = ""

    def add(unit: str, sep: str) -> None:
        nonlocal current
        if not current:
            current = unit
        elif utf16_len(current + sep + unit) <= limit:
            current += sep + unit
        else:
            parts.append(current)
            current = unit

    for para in paragraphs:
        if utf16_len(para) <= limit:
            add(para, "\n\n")
            continue
        first = True
        for line in para.split("\n"):  # lines are self-contained (see _blocks), so this is safe
            add(line, "\n\n" if first else "\n")
            first = False
    if current:
        parts.append(current)
    return parts or ["\u2060"]  # Telegram refuses empty text; a word joiner is invisible


def keyboard(buttons: tuple[Button, ...]) -> dict[str, Any] | None:
    """Return an inline keyboard with one button per row, or None without buttons."""
    if not buttons:
        return None
    rows = []
    for b in buttons:
        size = len(b.action.encode("utf-8"))
        assert 1 <= size <= MAX_CALLBACK_DATA, f"callback_data must be 1-64 bytes, got {size}: {b.action!r}"
        rows.append([{"text": b.label[:200] or "·", "callback_data": b.action}])
    return {"inline_keyboard": rows}


def location_keyboard(message: OutboundMessage) -> dict[str, Any]:
    """Return a one-time reply keyboard: share the location first, then the suggested zones as words to send.

    Inline buttons cannot ask for a location; a reply keyboard can, and its other buttons simply send
    their text (the IANA name, which the conversation takes as a typed zone).
    """
    rows: list[list[dict[str, Any]]] = [[{"text": translate(message.locale, "📍 Share my location"),
                                          "request_location": True}]]
    zones = [b.action[3:] for b in message.buttons if b.action.startswith("tz:")]
    rows.extend([{"text": z} for z in zones[i:i + 2]] for i in range(0, len(zones), 2))
    return {"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True,
            "input_field_placeholder": translate(message.locale, "Your city or time zone")[:64]}


def markup_of(message: OutboundMessage) -> dict[str, Any] | None:
    """Return the message's reply_markup: inline buttons, a location keyboard, or the removal of one."""
    if message.hint == "ask_location":
        return location_keyboard(message)
    if message.hint == "close_keyboard" and not message.buttons:
        return {"remove_keyboard": True}
    return keyboard(message.buttons)


def render(message: OutboundMessage, limit: int = MAX_TEXT) -> list[TelegramMessage]:
    """Render a message as one or more Telegram HTML messages; the keyboard rides on the last part."""
    parts = split_html(_blocks(message, limit), limit)
    markup = markup_of(message)
    return [TelegramMessage(p, markup if i == len(parts) - 1 else None) for i, p in enumerate(parts)]


def photo_parts(message: OutboundMessage) -> tuple[TelegramMessage, list[TelegramMessage]]:
    """Return a message with a picture as the photo (with its caption) and the messages after it.

    A short message without buttons becomes the photo's caption; otherwise the photo goes first with its
    alt text as the caption and the message follows (a question stays a text message, so that answering
    can edit it into its feedback).
    """
    if not message.buttons and message.kind != "question":
        parts = render(message, MAX_CAPTION)
        if len(parts) == 1:
            return parts[0], []
    alt = message.image.alt if message.image is not None else ""
    return TelegramMessage(html.escape(alt[:MAX_CAPTION], quote=False)), render(message)


def plain(text: str) -> str:
    """Strip tags and entities from rendered HTML, for a plain-text fallback."""
    return html.unescape(_TAG.sub("", text))
