"""`nudgebot digest preview MANAGER`: the digest a manager would get now, and its chart; nothing is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.channels.console.render import render
from bot.cli.common import CLIError, app, open_services, out, parse_instant, session_of
from core.digest_render import render_digest
from core.services.people import find_person
from core.services.team_digest import collect
from scheduler.digest_build import chart_of

digest_app = typer.Typer(help="Manager digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("preview")
def digest_preview(manager: Annotated[str, typer.Argument(metavar="MANAGER", help="Email, slack:<id> or "
                                                          "telegram:<id>.")],
                   out_dir: Annotated[Path | None, typer.Option("--out", help="Write digest.png here "
                                                                "(default: the current folder).")] = None,
                   at: Annotated[str | None, typer.Option(help="Build it as of this instant (ISO-8601).")] = None,
                   ) -> None:
    """Print the digest MANAGER would get now and write its chart; send and store nothing."""
    services = open_services(platforms=False)
    now = parse_instant(at) if at else services.clock.now()
    folder = out_dir or Path.cwd()
    if folder.exists() and not folder.is_dir():
        raise CLIError(f"--out: {folder} is not a folder")
    with session_of(services) as s:
        person = find_person(s, manager)
        d = collect(s, person, now)
        if d is None:
            s.rollback()
            raise CLIError(f"{person.handle} would get no digest now: no reports enrolled, "
                           "only campaigns in their first week, or nothing to report")
        png = chart_of(d, person.locale)
        message = render_digest(d, person.name, person.locale, ZoneInfo(person.timezone or "UTC"))
        s.rollback()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digest.png"
    path.write_bytes(png)
    out.print(render(message))
    out.print(f"chart: {path}")
