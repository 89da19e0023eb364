"""`nudgebot tick`: one scheduler pass from cron or a terminal; it imports only what a pass needs."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from bot.cli.common import app, err, open_services, out, parse_instant, session_of
from core.clock import Clock, SystemClock, VirtualClock
from core.services import reports
from scheduler.worker import tick as run_tick

# ----------------------------------------------------------------------------- tick


@app.command()
def tick(at: Annotated[str | None, typer.Option("--at", help="ISO-8601 instant (default now).")] = None) -> None:
    """Run one scheduler pass at an instant and print what it sent."""
    clock: Clock = VirtualClock(parse_instant(at)) if at else SystemClock()
    services = open_services(clock=clock)
    now = clock.now()

    async def go() -> Any:
        for hook in services.tick_hooks:
            await hook()
        report = await run_tick(services.db, services.dispatcher, now)
        await services.stop()
        return report

    report = asyncio.run(go())
    with session_of(services) as s:
        names = reports.handles(s, {j.person_id for j in report.dispatch.sent})
    out.print(f"tick at {now.isoformat()}: {len(report.dispatch.sent)} message(s) sent")
    for j in report.dispatch.sent:
        out.print(f"  {j.kind:<10} → {names.get(j.person_id, j.person_id)} ({j.channel}) {j.item}", markup=False)
    extra = [f"{report.dispatch.retried} to retry" if report.dispatch.retried else "",
             f"{report.dispatch.failed} failed" if report.dispatch.failed else "",
             f"{report.dispatch.undeliverable} undeliverable" if report.dispatch.undeliverable else "",
             f"{report.dispatch.expired} expired (older than the catch-up window)" if report.dispatch.expired else "",
             f"{report.plan.skipped} skipped (paused or missed window)" if report.plan.skipped else ""]
    if any(extra):
        out.print("  " + ", ".join(x for x in extra if x))
    for note in report.plan.notes:
        err.print(note, markup=False)
