"""`nudgebot history PERSON [--search WORDS]`: the lessons a learner received, newest first or by search."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import CLIError, app, open_services, out, session_of
from core.services import history as lesson_history
from core.services import people


@app.command("history")
def history_command(
    person: Annotated[str, typer.Argument(help="Email, <platform>:<user id> or console:<id>.")],
    search: Annotated[str, typer.Option("--search", help="Only lessons containing these words.")] = "",
    limit: Annotated[int, typer.Option(min=1, max=500, help="Show at most this many.")] = 20,
) -> None:
    """Show the lessons a learner already received, newest first, or those matching --search."""
    services = open_services(platforms=False)
    with session_of(services) as s:
        p = people.find_person(s, person)
        if search:
            if not lesson_history.words_of(search):
                raise CLIError("--search: give at least one word to look for")
            rows = [(h.entry, h.snippet) for h in lesson_history.search(s, p.id, search, limit)]
        else:
            rows = [(e, "") for e in lesson_history.recent(s, p.id, limit)]
    if not rows:
        out.print("no lessons match" if search else "no lessons received yet")
        return
    table = Table("sent (UTC)", "campaign", "lesson", *(["match"] if search else []))
    for entry, snippet in rows:
        table.add_row(f"{entry.sent_at:%Y-%m-%d %H:%M}", entry.campaign_id or "", entry.title,
                      *([snippet] if search else []))
    out.print(table)
