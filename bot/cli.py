"""The `nudgebot` command line (Typer + Rich). Command names are a contract for docs and scripts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.bootstrap import Services, bootstrap
from bot.channels import id_checks
from bot.channels.console.render import render
from bot.settings import Settings
from content.loader import ContentError, check_paths, load_campaign_file
from core.clock import Clock, SystemClock, VirtualClock
from core.errors import UserError
from core.models import Delivery
from core.ports import AnswerChosen, OutboundMessage, Sender
from core.render import answer_action
from core.services import campaigns, chatlog, outbox, people, reports, tracks
from core.services.invites import create_invite
from core.services.progress import active_enrollments
from scheduler.planner import plan_pending, planned_for
from scheduler.worker import tick as run_tick

app = typer.Typer(help="nudgebot: microlessons and quizzes in chat, on each learner's schedule.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
content_app = typer.Typer(help="Check and publish content files.", no_args_is_help=True)
people_app = typer.Typer(help="Import and invite people.", no_args_is_help=True)
campaign_app = typer.Typer(help="Schedule campaigns.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(content_app, name="content")
app.add_typer(people_app, name="people")
app.add_typer(campaign_app, name="campaign")

out = Console(highlight=False)
# Errors stay one line each, whatever the terminal width, so scripts and people can read them.
err = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")


class CLIError(Exception):
    """A one-line error for the user."""


def _settings() -> Settings:
    return Settings()


def _services(clock: Clock | None = None, settings: Settings | None = None, platforms: bool = True) -> Services:
    settings = settings or _settings()
    services = bootstrap(settings, clock=clock, platforms=platforms)
    if services.db.is_sqlite:
        # The embedded default needs no separate step: bring the file up to date on first use.
        from bot.dbsetup import upgrade

        upgrade(settings.database_url)
    return services


@contextmanager
def _session(services: Services) -> Iterator[Session]:
    with services.db.session() as s:
        yield s


def _parse_instant(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CLIError(f"--at: {value!r} is not an ISO-8601 instant such as 2027-01-04T14:31:00Z") from None
    if when.tzinfo is None:
        raise CLIError(f"--at: {value!r} has no offset; add Z or +01:00 so the instant is unambiguous")
    return when.astimezone(UTC)


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CLIError(f"{option}: {value!r} is not a date such as 2027-01-04") from None


# ----------------------------------------------------------------------------- demo, run, web, worker


@app.command()
def demo(auto: Annotated[bool, typer.Option("--auto", help="Answer by itself and exit.")] = False) -> None:
    """Walk through a campaign on the console channel with a virtual clock (no account needed)."""
    from bot.demo import run_demo

    run_demo(auto=auto, console=out)


@app.command()
def run(telegram_polling: Annotated[bool, typer.Option("--telegram-polling",
                                                       help="Poll Telegram instead of a webhook.")] = False,
        port: Annotated[int | None, typer.Option(help="Port (default $PORT or 8000).")] = None) -> None:
    """Run the web app and the periodic worker in one process."""
    _serve(worker=True, telegram_polling=telegram_polling, port=port)


@app.command()
def web(port: Annotated[int | None, typer.Option(help="Port (default $PORT or 8000).")] = None) -> None:
    """Run the web app only (chat platform endpoints and /healthz)."""
    _serve(worker=False, telegram_polling=False, port=port)


@app.command()
def worker() -> None:
    """Run the periodic worker only."""
    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = _services(settings=settings)

    async def main() -> None:
        from bot.web import running

        async with running(services, worker=True):
            await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


def _serve(*, worker: bool, telegram_polling: bool, port: int | None) -> None:
    import uvicorn

    from bot.web import create_app

    settings = _settings()
    if telegram_polling:
        settings.telegram_polling = True
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = _services(settings=settings)
    app_ = create_app(services, run_worker=worker)
    uvicorn.run(app_, host="0.0.0.0", port=port or settings.port, log_level=settings.log_level.lower())


# ----------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest."""
    from bot.dbsetup import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    out.print(f"Database is up to date ({_safe_url(settings.database_url)}).")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


# ----------------------------------------------------------------------------- content


@content_app.command("check")
def content_check(paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
                  strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False) -> None:
    """Validate and lint content files; print every problem as path:line."""
    result = check_paths(paths, strict=strict)
    for p in result.problems:
        (err if p.severity == "error" else out).print(str(p), markup=False, soft_wrap=True)
    n_err = len(result.errors)
    n_warn = len(result.warnings)
    summary = f"{len(result.tracks)} track(s) checked: {n_err} error(s), {n_warn} warning(s)"
    if not result.ok:
        err.print(summary + (" (warnings fail under --strict)" if strict and not n_err else ""), markup=False)
        raise typer.Exit(1)
    out.print(summary + ". OK")


@content_app.command("publish")
def content_publish(paths: Annotated[list[Path], typer.Argument(help="Files or folders.")]) -> None:
    """Validate tracks and store them; a new version only when the content changed."""
    result = check_paths(paths)
    if result.errors:
        for p in result.errors:
            err.print(str(p), markup=False)
        err.print(f"nothing published: {len(result.errors)} error(s)")
        raise typer.Exit(1)
    services = _services()
    now = services.clock.now()
    with _session(services) as s:
        for track in result.tracks:
            v, new = tracks.publish(s, track, now)
            state = "published" if new else "unchanged"
            out.print(f"{track.id}: {state} as version {v.version} ({v.content_hash[:12]})")


# ----------------------------------------------------------------------------- people


@people_app.command("import")
def people_import(file: Annotated[Path, typer.Argument(help="CSV: email,name,timezone,locale,manager_email,"
                                                            "roles,slack_id,telegram_id")]) -> None:
    """Create or update people from a roster CSV; a bad row changes nothing."""
    services = _services()
    with _session(services) as s:
        report = people.import_roster(s, file, services.clock.now(), id_checks())
        plan_pending(s, services.clock.now())
    out.print(f"{file}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged.")
    for note in report.notes:
        out.print(note, markup=False)


@people_app.command("invite")
def people_invite(person: Annotated[str, typer.Argument(help="Email of the person (e.g. a manager).")],
                  days: Annotated[int, typer.Option(help="Valid for this many days.")] = 14,
                  qr: Annotated[bool, typer.Option("--qr", help="Also print a QR code.")] = False) -> None:
    """Print a Telegram link that connects this person's Telegram account."""
    services = _services()
    now = services.clock.now()
    with _session(services) as s:
        p = people.find_person(s, person)
        inv = create_invite(s, None, now=now, role=p.roles, max_uses=1, expires_at=now + timedelta(days=days),
                            person_id=p.id)
        code = inv.code
    _print_invite(services, code, qr, f"Link for {p.name or p.handle} (one use, {days} days)")


# ----------------------------------------------------------------------------- campaigns


@campaign_app.command("apply")
def campaign_apply(file: Annotated[Path, typer.Argument(help="Campaign YAML file.")]) -> None:
    """Create or update a campaign from its file and enroll its audience."""
    spec = load_campaign_file(file)
    services = _services()
    now = services.clock.now()
    with _session(services) as s:
        r = campaigns.apply_campaign(s, spec, now)
        plan_pending(s, now)
    verb = "created" if r.created else "updated"
    out.print(f"campaign {r.campaign_id}: {verb}; {r.enrolled} newly enrolled, {r.removed} removed"
              + ("; schedules recomputed" if r.rescheduled and not r.created else ""))


@campaign_app.command("list")
def campaign_list() -> None:
    """List campaigns with their schedule and audience size."""
    services = _services()
    with _session(services) as s:
        rows = campaigns.list_campaigns(s)
        table = Table("id", "track", "days", "at", "start", "end", "status", "learners")
        for c, n in rows:
            table.add_row(c.id, c.track_id, c.days, c.at_time, c.start_date.isoformat(),
                          c.end_date.isoformat() if c.end_date else "–", c.status, str(n))
    if not rows:
        out.print("No campaigns yet. Apply one with: nudgebot campaign apply FILE.yaml")
        return
    out.print(table)


@campaign_app.command("pause")
def campaign_pause(campaign_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Pause a campaign: nothing more is sent until it is resumed."""
    services = _services()
    with _session(services) as s:
        campaigns.set_status(s, campaign_id, "paused")
    out.print(f"campaign {campaign_id}: paused")


@campaign_app.command("resume")
def campaign_resume(campaign_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Resume a campaign from the next scheduled time (missed days are not sent)."""
    services = _services()
    with _session(services) as s:
        campaigns.set_status(s, campaign_id, "active")
        plan_pending(s, services.clock.now())
    out.print(f"campaign {campaign_id}: resumed")


@campaign_app.command("invite")
def campaign_invite(campaign_id: Annotated[str, typer.Argument(metavar="ID")],
                    uses: Annotated[int | None, typer.Option(help="Maximum number of people.")] = None,
                    days: Annotated[int | None, typer.Option(help="Expires after this many days.")] = None,
                    qr: Annotated[bool, typer.Option("--qr", help="Also print a QR code.")] = False) -> None:
    """Print a Telegram invite link that enrolls whoever opens it."""
    services = _services()
    now = services.clock.now()
    with _session(services) as s:
        inv = create_invite(s, campaign_id, now=now, max_uses=uses,
                            expires_at=now + timedelta(days=days) if days else None)
        code = inv.code
    limits = ", ".join(x for x in (f"{uses} uses" if uses else "", f"{days} days" if days else "") if x)
    _print_invite(services, code, qr, f"Invite to {campaign_id}" + (f" ({limits})" if limits else ""))


def _print_invite(services: Services, code: str, qr: bool, label: str) -> None:
    if not services.settings.telegram_bot_token:
        raise CLIError("TELEGRAM_BOT_TOKEN is not set; invites are Telegram links")
    from bot.channels.telegram import invite_link

    link = asyncio.run(invite_link(services.settings, code))
    out.print(label + ":")
    print(link)
    if qr:
        import qrcode

        q = qrcode.QRCode(border=1)
        q.add_data(link)
        buf = io.StringIO()
        q.print_ascii(out=buf, invert=True)
        print(buf.getvalue())


# ----------------------------------------------------------------------------- tick, chat, schedule


@app.command()
def tick(at: Annotated[str | None, typer.Option("--at", help="ISO-8601 instant (default now).")] = None) -> None:
    """Run one scheduler pass at an instant and print what it sent."""
    clock: Clock = VirtualClock(_parse_instant(at)) if at else SystemClock()
    services = _services(clock=clock)
    now = clock.now()

    async def go() -> Any:
        for hook in services.tick_hooks:
            await hook()
        report = await run_tick(services.db, services.dispatcher, now)
        await services.stop()
        return report

    report = asyncio.run(go())
    with _session(services) as s:
        names = reports.handles(s, {j.person_id for j in report.dispatch.sent})
    out.print(f"tick at {now.isoformat()}: {len(report.dispatch.sent)} message(s) sent")
    for j in report.dispatch.sent:
        out.print(f"  {j.kind:<10} → {names.get(j.person_id, j.person_id)} ({j.channel}) {j.item}", markup=False)
    extra = [f"{report.dispatch.retried} to retry" if report.dispatch.retried else "",
             f"{report.dispatch.failed} failed" if report.dispatch.failed else "",
             f"{report.dispatch.undeliverable} undeliverable" if report.dispatch.undeliverable else "",
             f"{report.plan.skipped} skipped (paused or missed window)" if report.plan.skipped else ""]
    if any(extra):
        out.print("  " + ", ".join(x for x in extra if x))
    for note in report.plan.notes:
        err.print(note, markup=False)


@app.command()
def chat(as_: Annotated[str, typer.Option("--as", help="email, slack:<id> or telegram:<id>")],
         answer: Annotated[int | None, typer.Option(help="Answer the open question with choice N.")] = None,
         at: Annotated[str | None, typer.Option("--at", help="Pretend it is this instant.")] = None) -> None:
    """Show a person's console conversation and answer their open question."""
    clock: Clock = VirtualClock(_parse_instant(at)) if at else SystemClock()
    services = _services(clock=clock)
    with _session(services) as s:
        person = people.find_person(s, as_)
        pid, channel, address, name = person.id, person.channel, person.address, person.name
        history = chatlog.history(s, address)
    out.print(f"[bold]Conversation with {name or as_}[/] ({channel})")
    for row, msg in history:
        out.print(render(msg, edited=row.edited_at is not None))
    last_seen = history[-1][0].id if history else 0
    interactive = answer is None and sys.stdin.isatty()
    while True:
        with _session(services) as s:
            d = outbox.open_question(s, pid, clock.now())
            open_id = d.id if d else None
            n_choices = len(d.payload.get("buttons", [])) if d else 0
        if open_id is None:
            if answer is not None:
                raise CLIError(f"{as_} has no open question to answer")
            out.print("No open question right now.")
            return
        if answer is None and not interactive:
            out.print(f"An open question is waiting: answer it with --answer 1..{n_choices}")
            return
        choice = answer if answer is not None else _ask_choice(n_choices)
        if choice is None:
            return
        if not 1 <= choice <= n_choices:
            raise CLIError(f"--answer must be between 1 and {n_choices}")
        reply = asyncio.run(services.conversation.handle(
            AnswerChosen(Sender(channel, address), answer_action(open_id, choice - 1)), wait=True))
        with _session(services) as s:
            feedback = s.get(Delivery, open_id)
            if feedback is not None and feedback.payload.get("outcome"):
                out.print(render(OutboundMessage.from_dict(feedback.payload)))
            for row, m in chatlog.history(s, address, limit=10):
                if row.id > last_seen and m.kind != "feedback":
                    out.print(render(m))
                    last_seen = row.id
        if reply.notice:
            out.print(reply.notice, markup=False)
        if answer is not None:
            return


def _ask_choice(n: int) -> int | None:
    while True:
        raw = typer.prompt(f"Your answer (1-{n}, empty to leave)", default="", show_default=False).strip()
        if not raw:
            return None
        if raw.isdigit():
            return int(raw)
        out.print("Type the number of a choice.")


@app.command()
def schedule(person: Annotated[str, typer.Argument(help="email, slack:<id> or telegram:<id>")],
             from_: Annotated[str | None, typer.Option("--from", help="First local date (default today).")] = None,
             days: Annotated[int, typer.Option(help="Number of days to show.")] = 14,
             as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the nudges planned for a person, computed by the worker's own code."""
    if days < 1 or days > 366:
        raise CLIError("--days must be between 1 and 366")
    services = _services()
    now = services.clock.now()
    with _session(services) as s:
        p = people.find_person(s, person)
        plan_pending(s, now)
        if p.timezone is None:
            raise CLIError(f"{person} has no time zone yet, so nothing is planned")
        start = _parse_date(from_, "--from") if from_ else now.astimezone(_zone(p.timezone)).date()
        rows = planned_for(s, p, active_enrollments(s, p.id), start, days)
        zone = p.timezone
    if as_json:
        print(json.dumps([{"campaign": r.campaign, "date": r.local_date.isoformat(), "utc": r.utc.isoformat(),
                           "local": r.local.isoformat(), "timezone": zone, "item": r.item} for r in rows],
                         indent=2))
        return
    table = Table("local time", "UTC", "campaign", "unit", title=f"{person} ({zone})")
    for r in rows:
        table.add_row(r.local.strftime("%a %Y-%m-%d %H:%M %z"), r.utc.strftime("%Y-%m-%d %H:%M"), r.campaign, r.item)
    out.print(table if rows else "Nothing planned in that window.")


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# ----------------------------------------------------------------------------- export


class ExportKind(StrEnum):
    """What `export` can write."""

    deliveries = "deliveries"
    answers = "answers"
    people = "people"


class ExportFormat(StrEnum):
    """Output formats for `export`."""

    csv = "csv"
    json = "json"


@app.command()
def export(kind: Annotated[ExportKind, typer.Argument(help="deliveries, answers or people")],
           campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
           fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json")] = ExportFormat.csv) -> None:
    """Export deliveries, answers or people as CSV or JSON on standard output."""
    services = _services()
    with _session(services) as s:
        if campaign is not None:
            campaigns.get_campaign(s, campaign)
        rows = reports.REPORTS[kind.value](s, campaign)
    if fmt is ExportFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    buf = io.StringIO()
    fields = list(rows[0]) if rows else reports.REPORT_FIELDS[kind.value]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    sys.stdout.write(buf.getvalue())


# ----------------------------------------------------------------------------- platform sub-commands


def _mount_platforms() -> None:
    from bot.channels.slack.cli import make_app as slack_cli
    from bot.channels.telegram.cli import app as telegram_app

    app.add_typer(telegram_app, name="telegram", help="Telegram webhook management.")
    app.add_typer(slack_cli(lambda: _services(platforms=False)), name="slack", help="Slack workspace sync.")


_mount_platforms()


def main() -> None:
    """Run the CLI, turning user mistakes into one clear line and a non-zero exit."""
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except (UserError, CLIError) as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except ContentError as exc:
        for p in exc.problems:
            err.print(str(p), markup=False)
        sys.exit(1)
    except (OperationalError, ProgrammingError) as exc:
        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        err.print(f"error: database problem: {first} (is DATABASE_URL right? try `nudgebot db upgrade`)",
                  markup=False)
        sys.exit(1)
    except Exception as exc:
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
