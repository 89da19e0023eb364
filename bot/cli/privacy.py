"""`nudgebot person export|forget PERSON`: a person's stored data as JSON, and erasure; both audited."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from bot.cli.common import CLIError, app, err, open_services, out, session_of
from core.models import Person
from core.services import audit, people, privacy

person_app = typer.Typer(help="A person's stored data: export it, or forget them.", no_args_is_help=True)
app.add_typer(person_app, name="person")


def cli_actor() -> str:
    """Return how the audit log names whoever runs the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _find(session: Session, handle: str) -> Person:
    kind, sep, number = handle.strip().partition(":")
    if sep and kind == privacy.FORGOTTEN and number.isdigit():
        found = session.get(Person, int(number))
        if found is None or found.status != privacy.FORGOTTEN:
            raise CLIError(f"no forgotten person {handle!r}")
        return found
    return people.find_person(session, handle)


@person_app.command("export")
def person_export(person: Annotated[str, typer.Argument(help="Email, <platform>:<user id> or console:<id>.")],
                  out_file: Annotated[Path | None, typer.Option("--out", help="Write the JSON here.")] = None) -> None:
    """Write everything stored about a person as JSON (the export is audited)."""
    services = open_services()
    with session_of(services) as s:
        p = _find(s, person)
        audit.record(s, at=services.clock.now(), actor=cli_actor(), action="export", subject=p,
                     reason="personal data export", step=None)
        text = json.dumps(privacy.person_document(s, p), indent=2, ensure_ascii=False, default=str) + "\n"
        if out_file is not None:
            try:
                out_file.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CLIError(f"--out {out_file}: cannot write: {exc.strerror or exc}") from None
    if out_file is None:
        sys.stdout.write(text)
    else:
        err.print(f"{person}: data written to {out_file}", markup=False)


@person_app.command("forget")
def person_forget(person: Annotated[str, typer.Argument(help="Email, <platform>:<user id> or console:<id>.")],
                  yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
                  reason: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Erase a person's personal data, keeping anonymous aggregates (audited)."""
    if not yes and not typer.confirm(f"Erase {person}'s personal data? This cannot be undone", err=True):
        raise CLIError("nothing erased")
    services = open_services()
    with session_of(services) as s:
        p = _find(s, person)
        if p.status == privacy.FORGOTTEN:
            raise CLIError(f"{person} is already forgotten")
        counts = privacy.forget(s, p, services.clock.now(), cli_actor(), reason)
        handle = p.handle
    done = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items() if n)
    out.print(f"{person} forgotten; now {handle}" + (f" (erased: {done})" if done else ""), markup=False)
