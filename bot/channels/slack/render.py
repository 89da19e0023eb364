"""Block Kit rendering: OutboundMessage -> chat.postMessage payload. Pure functions, no I/O."""

from __future__ import annotations

import re
from typing import Any

from core.i18n import translate
from core.ports import Button, OutboundMessage, Outcome

# Slack's documented Block Kit limits.
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_LABEL_MAX = 75
MAX_BLOCKS = 50
MAX_BUTTONS = 25
FALLBACK_MAX = 3000

Block = dict[str, Any]

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_PLACEHOLDER = "\x00{}\x00"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in text objects."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Convert the Markdown subset used in content (bold, links, bullets, headings) to Slack mrkdwn."""
    links: list[str] = []

    def keep_link(m: re.Match[str]) -> str:
        # Links are set aside first so their angle brackets survive escaping.
        url = m.group(2).replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
        links.append(f"<{url}|{escape(m.group(1))}>")
        return _PLACEHOLDER.format(len(links) - 1)

    text = _LINK.sub(keep_link, markdown.replace("\x00", ""))
    text = escape(text)
    text = _HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    for i, link in enumerate(links):
        text = text.replace(_PLACEHOLDER.format(i), link)
    return text


def plain(text: str, limit: int) -> Block:
    """Return a plain_text object cut to `limit` characters."""
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chunks(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Split mrkdwn at paragraph, then line, boundaries so each piece fits one section."""
    out: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        pieces = [para] if len(para) <= limit else _split_long(para, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                if current:
                    out.append(current)
                current = piece
    if current.strip():
        out.append(current)
    return out


def _split_long(para: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in para.split("\n"):
        while len(line) > limit:
            out.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out


def mrkdwn_sections(mrkdwn: str) -> list[Block]:
    """Return section blocks for text already in mrkdwn, split to fit Slack's limits."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(mrkdwn)]


def sections(markdown: str) -> list[Block]:
    """Return mrkdwn section blocks for a Markdown body, split to fit Slack's limits."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(to_mrkdwn(markdown))]


def header(title: str) -> Block:
    """Return a header block."""
    return {"type": "header", "text": plain(title, HEADER_MAX)}


def context(markdown: str) -> Block:
    """Return a context block of small print."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(to_mrkdwn(markdown), 2000)}]}


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else str(i + 1)


def buttons_block(buttons: tuple[Button, ...], *, lettered: bool) -> Block:
    """Return an actions block with one button per choice; value carries the action back verbatim."""
    elements = []
    for i, b in enumerate(buttons[:MAX_BUTTONS]):
        label = f"{_letter(i)}. {b.label}" if lettered else b.label
        elements.append({"type": "button", "action_id": f"a:{i}", "text": plain(label, BUTTON_LABEL_MAX),
                         "value": b.action})
    return {"type": "actions", "block_id": "choices", "elements": elements}


def lesson_blocks(message: OutboundMessage) -> list[Block]:
    """Render a lesson: a header, then the body as sections."""
    blocks: list[Block] = [header(message.title)] if message.title else []
    blocks += sections(message.text)
    if message.footer:
        blocks.append(context(message.footer))
    return blocks


def question_blocks(message: OutboundMessage) -> list[Block]:
    """Render a question with one button per choice (choices listed in full when a label would be cut)."""
    title = f"*{escape(message.title)}*\n" if message.title else ""
    body = title + to_mrkdwn(message.text)
    # Slack cuts button labels at 75 characters; then the full wording goes in the text.
    lettered = any(len(b.label) > BUTTON_LABEL_MAX - 3 for b in message.buttons)
    if lettered:
        body += "\n\n" + "\n".join(f"*{_letter(i)}.* {escape(b.label)}" for i, b in enumerate(message.buttons))
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(body)]
    if message.buttons:
        blocks.append(buttons_block(message.buttons, lettered=lettered))
    if message.footer:
        blocks.append(context(message.footer))
    return blocks


def verdict(outcome: Outcome, locale: str = "en") -> str:
    """Return the mrkdwn line marking the chosen option right or wrong."""
    if outcome.correct:
        return translate(locale, "✅ *Correct!* Your answer: {answer}", answer=escape(outcome.chosen))
    if outcome.score:
        return translate(locale, "🟡 *Partly right* ({score}%). Your answer: {answer}\nThe correct answers are: "
                                 "*{correct}*", score=round(outcome.score * 100), answer=escape(outcome.chosen),
                         correct=escape(outcome.correct_choice))
    return translate(locale, "❌ *Not quite.* Your answer: {answer}\nThe correct answer is: *{correct}*",
                     answer=escape(outcome.chosen), correct=escape(outcome.correct_choice))


def feedback_blocks(message: OutboundMessage) -> list[Block]:
    """Render an answered question: the verdict, the choice's feedback and the explanation; no buttons."""
    outcome = message.outcome
    if outcome is None:
        return lesson_blocks(message)
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": verdict(outcome, message.locale)}}]
    if outcome.feedback:
        blocks += sections(outcome.feedback)
    if outcome.explanation:
        blocks += sections(translate(message.locale, "*Explanation:* {explanation}", explanation=outcome.explanation))
    if message.footer:
        blocks.append(context(message.footer))
    return blocks


def table_text(rows: tuple[tuple[str, ...], ...], width: int = 22) -> list[str]:
    """Return the table as aligned monospace lines (first row header), each cell cut to `width`."""
    if not rows:
        return []
    cells = [[_cut(c, width) for c in r] for r in rows]
    ncols = max(len(r) for r in cells)
    widths = [max(len(r[i]) if i < len(r) else 0 for r in cells) for i in range(ncols)]

    def line(r: list[str]) -> str:
        return "  ".join((r[i] if i < len(r) else "").ljust(widths[i]) for i in range(ncols)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return out


def table_blocks(rows: tuple[tuple[str, ...], ...]) -> list[Block]:
    """Render a table as preformatted sections, as many as its size needs."""
    lines = table_text(rows)
    if not lines:
        return []
    head, body = lines[:2], lines[2:]
    blocks: list[Block] = []
    chunk: list[str] = []
    for ln in body or [""]:
        # ``` plus the repeated header must fit every section.
        if chunk and len(escape("\n".join(head + chunk + [ln]))) + 8 > SECTION_TEXT_MAX:
            blocks.append(_pre(head + chunk))
            chunk = []
        chunk.append(ln)
    blocks.append(_pre(head + [c for c in chunk if c]))
    return blocks


def _pre(lines: list[str]) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "```" + escape("\n".join(lines)) + "```"}}


def digest_blocks(message: OutboundMessage) -> list[Block]:
    """Render a manager digest: header, summary and a compact preformatted table."""
    blocks: list[Block] = [header(message.title)] if message.title else []
    blocks += sections(message.text)
    blocks += table_blocks(message.table)
    if message.footer:
        blocks.append(context(message.footer))
    return blocks


def notice_blocks(message: OutboundMessage) -> list[Block]:
    """Render reminders, escalations and info: a bold title over the body."""
    title = f"*{escape(message.title)}*\n" if message.title else ""
    body = title + to_mrkdwn(message.text)
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(body)]
    if message.table:
        blocks += table_blocks(message.table)
    if message.buttons:
        blocks.append(buttons_block(message.buttons, lettered=False))
    if message.footer:
        blocks.append(context(message.footer))
    return blocks


def fallback_text(message: OutboundMessage) -> str:
    """Return the plain notification text: title, body and the choices, readable without blocks."""
    loc = message.locale
    parts = [message.title] if message.title else []
    if message.outcome is not None:
        o = message.outcome
        mark = translate(loc, "Correct") if o.correct else translate(
            loc, "Partly right ({score}%), correct answers: {correct}", score=round(o.score * 100),
            correct=o.correct_choice) if o.score else translate(
            loc, "Not quite (correct answer: {correct})", correct=o.correct_choice)
        parts.append(translate(loc, "Your answer: {answer}. {verdict}.", answer=o.chosen, verdict=mark))
        parts += [t for t in (o.feedback, o.explanation) if t]
    else:
        parts.append(message.text)
    if message.buttons:
        parts.append(translate(loc, "Choices: {choices}",
                               choices="; ".join(f"{_letter(i)}) {b.label}" for i, b in enumerate(message.buttons))))
    text = "\n".join(p.strip() for p in parts if p.strip())
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return _cut(escape(text), FALLBACK_MAX)


_RENDERERS = {
    "lesson": lesson_blocks,
    "question": question_blocks,
    "feedback": feedback_blocks,
    "digest": digest_blocks,
}


IMAGE_ALT_MAX = 2000
IMAGE_URL_MAX = 3000


def with_image_block(blocks: list[Block], message: OutboundMessage) -> list[Block]:
    """Show a picture on the web (an image block) after the text, before the buttons and small print."""
    image = message.image
    if image is None or not image.url or len(image.url) > IMAGE_URL_MAX:
        return blocks
    block = {"type": "image", "image_url": image.url,
             "alt_text": _cut(image.alt or image.name or "image", IMAGE_ALT_MAX)}
    at = next((i for i, b in enumerate(blocks) if b["type"] in ("actions", "context")), len(blocks))
    return [*blocks[:at], block, *blocks[at:]]


def render(message: OutboundMessage) -> dict[str, Any]:
    """Return the chat.postMessage / chat.update arguments (text and blocks) for a message."""
    blocks = with_image_block(_RENDERERS.get(message.kind, notice_blocks)(message), message)
    if len(blocks) > MAX_BLOCKS:
        # Keep the buttons (last actions block) reachable when a huge body is cut.
        tail = [b for b in blocks[-2:] if b["type"] in ("actions", "context")]
        blocks = blocks[: MAX_BLOCKS - len(tail)] + tail
    return {"text": fallback_text(message), "blocks": blocks}
