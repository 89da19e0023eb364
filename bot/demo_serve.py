"""`nudgebot demo --serve`: after the demo, serve the web dashboard on its data with sign-in links."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from bot.bootstrap import Services
from bot.dashboard.links import sign_in_url
from core.services import dashboard, people
from flows import people as flows_people

ADMIN_ROSTER = """email,name,timezone,locale,manager_email,roles,slack_id,telegram_id
ada@example.org,Ada Admin,Europe/Berlin,en,,admin,,
"""
HOST = "127.0.0.1"


def demo_links(services: Services, tmp: Path, base_url: str) -> dict[str, str]:
    """Add the demo's admin and return sign-in links for her and for Max, the manager."""
    roster = tmp / "admin.csv"
    roster.write_text(ADMIN_ROSTER, encoding="utf-8")
    now = services.clock.now()
    links = {}
    with services.db.session() as s:
        flows_people.import_roster(s, roster, now)
        for who in ("ada@example.org", "max@example.org"):
            token = dashboard.issue_sign_in(s, people.find_person(s, who), now)
            links[who] = sign_in_url(base_url, token)
    return links


def serve_dashboard(services: Services, tmp: Path, console: Console, port: int) -> None:
    """Serve the dashboard on 127.0.0.1:`port` until interrupted, after printing the sign-in links."""
    import uvicorn

    from bot.web import create_app

    base_url = f"http://{HOST}:{port}/dashboard"
    services.settings.dashboard_url = base_url
    links = demo_links(services, tmp, base_url)
    console.print(Rule("[bold]dashboard[/]"))
    console.print("The web dashboard now serves the demo's data. Open a link in your browser (each works once):")
    console.print(f"  Ada (admin):   {links['ada@example.org']}", soft_wrap=True)
    console.print(f"  Max (manager): {links['max@example.org']}", soft_wrap=True)
    console.print("More links: sign out and run this again, or ask the bot. Press Ctrl+C to stop.")
    uvicorn.run(create_app(services, run_worker=False), host=HOST, port=port, log_level="warning")
