"""Commands for a learner's working day, content versions and spacing: people leave, content retire, fsrs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from bot.cli.common import CLIError, app, content_app, open_services, out, people_app, session_of
from content.schema import Track
from core.services import publishing
from core.services.campaigns import get_campaign
from flows import people as flows_people
from scheduler.learning import fit_parameters
from scheduler.spacing import DEFAULT_PARAMETERS, OptimizerUnavailable, SpacingError

fsrs_app = typer.Typer(help="Spaced repetition: fit FSRS to your organisation's reviews.", no_args_is_help=True)
app.add_typer(fsrs_app, name="fsrs")


@people_app.command("leave")
def people_leave(file: Annotated[Path, typer.Argument(help="CSV: person,start,end (dates inclusive).")]) -> None:
    """Import leave dates: no nudges on those days, and streaks do not break; a bad row changes nothing."""
    services = open_services()
    with session_of(services) as s:
        added, known = flows_people.import_leave(s, file, services.clock.now())
    out.print(f"{file}: {added} leave period(s) added, {known} already known.")


def changes_for_running_campaigns(s: Session, found: list[Track], yes: bool) -> None:
    """Print what publishing each track changes for running campaigns; stop unless --yes when learners are mid-way."""
    midway = 0
    for track in found:
        imp = publishing.impact(s, track)
        if imp is None or not imp.campaigns or imp.diff.empty:
            continue
        out.print(f"{track.id}: changes from version {imp.version} for running campaign(s) "
                  f"{', '.join(imp.campaigns)} ({imp.learners} learner(s)):", markup=False)
        for c in imp.changes:
            out.print(f"  {c.text}: {c.learners} learner(s)", markup=False)
        midway += imp.midway
    if midway and not yes:
        raise CLIError(f"nothing published: a change removes or re-keys something learners are mid-way through "
                       f"({midway} learner(s)); check the list above and run again with --yes")


@content_app.command("retire")
def content_retire(track_id: Annotated[str, typer.Argument(metavar="TRACK")]) -> None:
    """Stop new enrollments in a track and list the campaigns still using it (they carry on)."""
    services = open_services()
    with session_of(services) as s:
        still = publishing.retire(s, track_id, services.clock.now())
    out.print(f"track {track_id}: retired; it takes no new enrollments.")
    for cid, n in still:
        out.print(f"  still used by campaign {cid} ({n} learner(s) running)", markup=False)
    if not still:
        out.print("  no running campaign uses it.")


@fsrs_app.command("optimize")
def fsrs_optimize(campaign: Annotated[str | None, typer.Option("--campaign", metavar="ID",
                                                              help="Fit one campaign's reviews only.")] = None
                  ) -> None:
    """Re-fit FSRS parameters from the stored review logs and store them for the planner to use."""
    services = open_services()
    now = services.clock.now()
    with session_of(services) as s:
        if campaign is not None:
            get_campaign(s, campaign)
        try:
            fitted, n = fit_parameters(s, campaign, now)
        except OptimizerUnavailable as exc:
            raise CLIError(str(exc)) from None
        except SpacingError as exc:
            raise CLIError(f"cannot fit FSRS parameters: {exc}") from None
        except ValueError as exc:  # fsrs's optimizer: too few reviews to fit
            raise CLIError(f"cannot fit FSRS parameters yet: {' '.join(str(exc).split())}") from None
    scope = f"campaign {campaign}" if campaign else "the organisation"
    out.print(f"FSRS parameters for {scope} fitted on {n} review(s) and stored; the planner uses them from now on.")
    changed = sum(1 for a, b in zip(fitted, DEFAULT_PARAMETERS, strict=True) if abs(a - b) > 1e-9)
    out.print(f"{changed} of {len(fitted)} parameters differ from the defaults: "
              + ", ".join(f"{p:.4f}" for p in fitted), markup=False)
