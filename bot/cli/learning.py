"""Commands for a learner's working day, content versions and spacing: people leave, content retire, fsrs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import open_services, out, people_app, session_of
from flows import people as flows_people


@people_app.command("leave")
def people_leave(file: Annotated[Path, typer.Argument(help="CSV: person,start,end (dates inclusive).")]) -> None:
    """Import leave dates: no nudges on those days, and streaks do not break; a bad row changes nothing."""
    services = open_services()
    with session_of(services) as s:
        added, known = flows_people.import_leave(s, file, services.clock.now())
    out.print(f"{file}: {added} leave period(s) added, {known} already known.")
