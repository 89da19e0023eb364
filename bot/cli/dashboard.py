"""`nudgebot dashboard link EMAIL`: a single-use sign-in link to the web dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import app, open_services, out, session_of
from bot.dashboard.links import sign_in_url
from core.services import dashboard, people

dashboard_app = typer.Typer(help="The web dashboard.", no_args_is_help=True)
app.add_typer(dashboard_app, name="dashboard")


@dashboard_app.command("link")
def link(person: Annotated[str, typer.Argument(help="email, slack:<id> or telegram:<id>")]) -> None:
    """Print a sign-in link for a person: it works once, for 15 minutes."""
    services = open_services(platforms=False)
    with session_of(services) as s:
        p = people.find_person(s, person)
        token = dashboard.issue_sign_in(s, p, services.clock.now())
        dashboard.audit(s, None, "sign_in.link_issued", p.handle, services.clock.now(), by="cli")
    out.print(sign_in_url(services.settings.dashboard_url, token), soft_wrap=True)
