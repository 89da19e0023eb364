"""Admin commands: database, content, people and campaigns."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.bootstrap import Services
from bot.channels import id_checks
from bot.cli.common import (
    CLIError,
    campaign_app,
    content_app,
    db_app,
    err,
    load_settings,
    open_services,
    out,
    people_app,
    session_of,
)
from bot.cli.learning import changes_for_running_campaigns
from content.loader import check_paths, load_campaign_file
from core.services import attachments, campaigns, people, tracks
from core.services.invites import create_invite
from core.services.translations import publish_translation
from flows import campaigns as flows_campaigns
from flows import people as flows_people

# ----------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest."""
    from bot.dbsetup import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    out.print(f"Database is up to date ({safe_url(settings.database_url)}).")


def safe_url(url: str) -> str:
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
    more = f" and {len(result.translations)} translation(s)" if result.translations else ""
    summary = f"{len(result.tracks)} track(s){more} checked: {n_err} error(s), {n_warn} warning(s)"
    if not result.ok:
        err.print(summary + (" (warnings fail under --strict)" if strict and not n_err else ""), markup=False)
        raise typer.Exit(1)
    out.print(summary + ". OK")


@content_app.command("publish")
def content_publish(paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
                    yes: Annotated[bool, typer.Option("--yes", help="Publish even when learners are mid-way "
                                                                    "through what it removes or re-keys.")] = False
                    ) -> None:
    """Validate tracks and store them; a new version only when the content changed."""
    result = check_paths(paths)
    if result.errors:
        for p in result.errors:
            err.print(str(p), markup=False)
        err.print(f"nothing published: {len(result.errors)} error(s)")
        raise typer.Exit(1)
    services = open_services()
    now = services.clock.now()
    with session_of(services) as s:
        changes_for_running_campaigns(s, result.tracks, yes)
        for track in result.tracks:
            v, new = tracks.publish(s, track, now)
            state = "published" if new else "unchanged"
            out.print(f"{track.id}: {state} as version {v.version} ({v.content_hash[:12]})")
        if result.images:
            new_pictures = attachments.store_pictures(s, result.images, now)
            out.print(f"pictures: {len(result.images)} ({new_pictures} new)")
        for tr in result.translations:
            _row, changed = publish_translation(s, tr, now)
            out.print(f"{tr.translation_of} ({tr.language}): {'published' if changed else 'unchanged'}")


# ----------------------------------------------------------------------------- people


@people_app.command("import")
def people_import(file: Annotated[Path, typer.Argument(help="CSV: email,name,timezone,locale,manager_email,"
                                                            "roles,slack_id,telegram_id")],
                  full: Annotated[bool, typer.Option("--full", help="The file lists everyone (an HR export): "
                                                     "people missing from it are marked left.")] = False) -> None:
    """Create or update people from a roster CSV; a bad row changes nothing."""
    services = open_services()
    with session_of(services) as s:
        report = flows_people.import_roster(s, file, services.clock.now(), id_checks(), full=full)
    mode = ("full import: people missing from the file are marked left" if full
            else "update: people missing from the file are untouched")
    counts = f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    if full:
        counts += f", {report.left} marked left"
    if report.returned:
        counts += f", {report.returned} back from having left"
    out.print(f"{file} ({mode}): {counts}.", markup=False, soft_wrap=True)
    for note in report.notes:
        out.print(note, markup=False)


@people_app.command("invite")
def people_invite(person: Annotated[str, typer.Argument(help="Email of the person (e.g. a manager).")],
                  days: Annotated[int, typer.Option(help="Valid for this many days.")] = 14,
                  qr: Annotated[bool, typer.Option("--qr", help="Also print a QR code.")] = False) -> None:
    """Print a Telegram link that connects this person's Telegram account."""
    services = open_services()
    now = services.clock.now()
    with session_of(services) as s:
        p = people.find_person(s, person)
        inv = create_invite(s, None, now=now, role=p.roles, max_uses=1, expires_at=now + timedelta(days=days),
                            person_id=p.id)
        code = inv.code
    _print_invite(services, code, qr, f"Link for {p.name or p.handle} (one use, {days} days)")


# ----------------------------------------------------------------------------- campaigns


@campaign_app.command("apply")
def campaign_apply(file: Annotated[Path, typer.Argument(help="Campaign YAML file.")],
                   dry_run: Annotated[bool, typer.Option("--dry-run", help="Print who would be enrolled or "
                                                         "removed and their first nudge; change nothing.")] = False,
                   allow_empty: Annotated[bool, typer.Option("--allow-empty", help="Apply even when the "
                                                             "audience matches nobody.")] = False) -> None:
    """Create or update a campaign from its file and enroll its audience."""
    from bot.cli.audience import chat_groups_for, print_preview
    from flows.campaign_preview import preview_campaign

    spec = load_campaign_file(file)
    groups = chat_groups_for(spec)
    services = open_services()
    now = services.clock.now()
    if dry_run:
        with session_of(services) as s:
            preview = preview_campaign(s, spec, now, allow_empty=allow_empty, chat_groups=groups)
            print_preview(preview)
            s.rollback()
        return
    with session_of(services) as s:
        r = flows_campaigns.apply_campaign(s, spec, now, allow_empty=allow_empty, chat_groups=groups)
    verb = "created" if r.created else "updated"
    out.print(f"campaign {r.campaign_id}: {verb}; {r.enrolled} newly enrolled, {r.removed} removed"
              + ("; schedules recomputed" if r.rescheduled and not r.created else "")
              + (f"; {r.held_back} not enrolled: the track is retired" if r.held_back else ""))
    for w in r.warnings:
        out.print(w)


@campaign_app.command("list")
def campaign_list() -> None:
    """List campaigns with their schedule and audience size."""
    services = open_services()
    with session_of(services) as s:
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
    services = open_services()
    with session_of(services) as s:
        flows_campaigns.pause_campaign(s, campaign_id)
    out.print(f"campaign {campaign_id}: paused")


@campaign_app.command("resume")
def campaign_resume(campaign_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Resume a campaign from the next scheduled time (missed days are not sent)."""
    services = open_services()
    with session_of(services) as s:
        flows_campaigns.resume_campaign(s, campaign_id, services.clock.now())
    out.print(f"campaign {campaign_id}: resumed")


@campaign_app.command("invite")
def campaign_invite(campaign_id: Annotated[str, typer.Argument(metavar="ID")],
                    uses: Annotated[int | None, typer.Option(help="Maximum number of people.")] = None,
                    days: Annotated[int | None, typer.Option(help="Expires after this many days.")] = None,
                    qr: Annotated[bool, typer.Option("--qr", help="Also print a QR code.")] = False) -> None:
    """Print a Telegram invite link that enrolls whoever opens it."""
    services = open_services()
    now = services.clock.now()
    with session_of(services) as s:
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


