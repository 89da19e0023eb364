"""Render neutral messages for a terminal with Rich. Pure: returns renderables, prints nothing."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from core.i18n import N_, translate
from core.ports import OutboundMessage

KINDS = {"lesson": N_("lesson"), "question": N_("question"), "feedback": N_("feedback"), "reminder": N_("reminder"),
         "escalation": N_("escalation"), "digest": N_("digest"), "info": N_("info")}
STYLES = {
    "lesson": "cyan",
    "question": "yellow",
    "feedback": "green",
    "reminder": "magenta",
    "escalation": "red",
    "digest": "blue",
    "info": "white",
}


def _md(text: str) -> str:
    # Content uses chat-style *bold*; Rich's Markdown wants **bold**.
    return re.sub(r"(?<![*\w])\*(?!\s)([^*\n]+?)\*(?![*\w])", r"**\1**", text)


def render(message: OutboundMessage, to: str = "", edited: bool = False) -> RenderableType:
    """Return a Rich panel for a message, with numbered choices for questions."""
    from rich.markdown import Markdown  # markdown-it and pygments load only when a message is shown

    parts: list[RenderableType] = [Markdown(_md(message.text))]
    if message.buttons:
        choices = Text()
        for i, b in enumerate(message.buttons, 1):
            choices.append(f"\n  [{i}] ", style="bold").append(b.label)
        parts.append(choices)
    if message.table:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in message.table[0]:
            table.add_column(col)
        for row in message.table[1:]:
            table.add_row(*row)
        parts.append(table)
    if message.footer:
        parts.append(Text(message.footer, style="dim"))
    label = translate(message.locale, KINDS.get(message.kind, message.kind))
    if edited:
        label = translate(message.locale, "{kind} (updated)", kind=label)
    title = f"[bold]{message.title}[/]" if message.title else None
    subtitle = f"{label} → {to}" if to else label
    return Panel(Group(*parts), title=title, subtitle=subtitle, border_style=STYLES.get(message.kind, "white"),
                 title_align="left", subtitle_align="right")
