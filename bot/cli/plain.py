"""The bodies of `nudgebot tick` and `nudgebot worker`, free of Typer, and their start without it.

cron starts `tick` every minute and a deployment restarts `worker` often, so a plain command line of either
(`tick`, `tick --at X`, `worker`) runs its body here directly. Anything else (--help, a usage error, a shell
completion request) goes through the full Typer command, so help, errors and exit codes stay Typer's.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from bot.cli.base import err, load_settings, open_services, out, parse_instant, session_of
from bot.logredact import redact_secrets
from bot.settings import Settings
from core.clock import Clock, SystemClock, VirtualClock
from core.services import reports
from scheduler.worker import tick as run_pass

log = logging.getLogger("nudgebot")


def plain_command(argv: list[str]) -> Callable[[], None] | None:
    """Return the body a plain `tick`/`worker` command line runs, or None when Typer must parse it."""
    if os.name == "nt" or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # Typer expands Windows wildcards and answers shell completion itself
    if argv == ["worker"]:
        return run_worker
    if argv == ["tick"]:
        return lambda: run_tick(None)
    if len(argv) == 3 and argv[:2] == ["tick", "--at"] and not argv[2].startswith("-"):
        return lambda: run_tick(argv[2])
    return None


def run_plain(body: Callable[[], None]) -> int | None:
    """Run `body` as Typer would run its command outside standalone mode; return an exit code, if any."""
    try:
        body()
    except EOFError as exc:
        print(file=sys.stderr)
        import typer  # only to raise what Typer raises here, which bot.cli.main reports

        raise typer.Abort() from exc
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # As click does when the reader of stdout went away: no traceback, exit 1.
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    return None


def run_tick(at: str | None) -> None:
    """Run one scheduler pass at an instant and print what it sent."""
    clock: Clock = VirtualClock(parse_instant(at)) if at else SystemClock()
    services = open_services(clock=clock)
    now = clock.now()

    async def go() -> Any:
        for hook in services.tick_hooks:
            await hook()
        report = await run_pass(services.db, services.dispatcher, now)
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


def run_worker() -> None:
    """Run the periodic worker only."""
    settings = load_settings()
    configure_logging(settings)
    services = open_services(settings=settings)

    async def main() -> None:
        from bot.lifespan import running

        stop = asyncio.Event()
        signals = Signals(on_first=stop.set)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, signals.handle, sig, None)
        async with running(services, worker=True):
            await stop.wait()

    asyncio.run(main())


def configure_logging(settings: Settings) -> None:
    """Log at the configured level, with secrets redacted."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_secrets(settings)


class Signals:
    """The first SIGTERM/SIGINT asks for a graceful stop; a second one exits at once."""

    def __init__(self, on_first: Callable[[], None]) -> None:
        self.on_first = on_first
        self.count = 0

    def handle(self, sig: int, _frame: FrameType | None) -> None:
        """Handle one signal."""
        self.count += 1
        if self.count > 1:
            log.warning("second %s: exiting now", signal.Signals(sig).name)
            logging.shutdown()
            os._exit(1)
        log.info("%s: finishing what is in flight, then exiting (send it again to exit at once)",
                 signal.Signals(sig).name)
        self.on_first()
