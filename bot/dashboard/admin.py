"""Applying a campaign file by upload (validated as the CLI does, previewed before it changes anything), and
the audit log."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard.app import Dashboard, Denied, check_csrf, guarded, render, require, viewer_of
from bot.dashboard.people import read_upload
from content.campaign import CampaignSpec
from content.loader import load_campaign_file
from content.problems import ContentError
from core.errors import UserError
from core.models import Campaign, Enrollment, Person
from core.services import dashboard as access
from flows import campaigns as flows_campaigns


def _dash(request: Request) -> Dashboard:
    dash: Dashboard = request.app.state.dash
    return dash


@dataclass
class Preview:
    """What applying a campaign file would do, worked out by applying it and rolling back."""

    campaign_id: str
    created: bool
    enrolled: list[Person] = field(default_factory=list)
    removed: int = 0
    first_by_zone: list[tuple[str, datetime, int]] = field(default_factory=list)  # zone, first local, people
    conflicts: list[tuple[str, str, int, bool]] = field(default_factory=list)  # other id, title, shared, same time


def parse_spec(name: str, text: str) -> tuple[CampaignSpec | None, list[str]]:
    """Validate a campaign file's text exactly as `nudgebot campaign apply` does; return it or its problems."""
    with tempfile.TemporaryDirectory(prefix="nudgebot-campaign-") as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            return load_campaign_file(path), []
        except ContentError as exc:
            return None, [str(p).replace(f"{tmp}/", "") for p in exc.problems]


def dry_run(s: Session, spec: CampaignSpec, now: datetime) -> Preview:
    """Apply `spec` inside the caller's transaction (which the caller rolls back) and describe the result."""
    report = flows_campaigns.apply_campaign(s, spec, now)
    rows = s.execute(select(Person, Enrollment).join(Enrollment, Enrollment.person_id == Person.id)
                     .where(Enrollment.campaign_id == spec.id, Enrollment.status == "active")
                     .order_by(Person.name, Person.id)).all()
    preview = Preview(spec.id, report.created, [p for p, _ in rows], report.removed)
    zones: dict[str, list[datetime]] = defaultdict(list)
    for p, e in rows:
        if e.next_due_at is not None:
            zones[p.timezone or "UTC"].append(e.next_due_at)
    preview.first_by_zone = sorted((z, min(ts).astimezone(ZoneInfo(z)), len(ts)) for z, ts in zones.items())
    ids = [p.id for p, _ in rows]
    others: dict[str, list[int]] = defaultdict(list)
    for cid, pid in s.execute(select(Enrollment.campaign_id, Enrollment.person_id).where(
            Enrollment.person_id.in_(ids), Enrollment.campaign_id != spec.id, Enrollment.status == "active")):
        others[cid].append(pid)
    at = spec.schedule.at.strftime("%H:%M")
    days = set(spec.schedule.days)
    for c in s.scalars(select(Campaign).where(Campaign.id.in_(list(others)), Campaign.status == "active")):
        same = c.at_time == at and bool(days & set(c.days.split(",")))
        preview.conflicts.append((c.id, c.title or c.id, len(others[c.id]), same))
    return preview


@guarded
async def apply_form(request: Request) -> Response:
    """Show the campaign upload form."""
    dash = _dash(request)

    def read(s: Session) -> Response:
        viewer = viewer_of(dash, s, request)
        require(viewer)
        return render(request, "apply.html", viewer, problems=[], preview=None)

    return await dash.db(read)


@guarded
async def apply_preview(request: Request) -> Response:
    """Validate an uploaded campaign file and preview it; nothing is changed."""
    dash = _dash(request)
    name, text, _form = await read_upload(request, "campaign")
    return await _preview(dash, request, name, text)


async def _preview(dash: Dashboard, request: Request, name: str, text: str) -> Response:
    spec, problems = parse_spec(name, text)

    def read(s: Session) -> Response:
        viewer = viewer_of(dash, s, request)
        require(viewer)
        preview = None
        if spec is not None:
            try:
                preview = dry_run(s, spec, dash.now())
            except UserError as exc:
                problems.append(f"{name}: {exc}")
            finally:
                s.rollback()
        return render(request, "apply.html", viewer, problems=problems, preview=preview, name=name, text=text,
                      status=422 if problems else 200)

    return await dash.db(read)


@guarded
async def apply_confirm(request: Request) -> Response:
    """Apply a previewed campaign file for real, as `nudgebot campaign apply` does, and audit it."""
    dash = _dash(request)
    form = await request.form(max_files=0, max_fields=10)
    check_csrf(request, form)
    name, text = str(form.get("name", "campaign.yaml")), str(form.get("text", ""))
    spec, problems = parse_spec(name, text)
    if spec is None:
        return await _preview(dash, request, name, text)

    def apply(s: Session) -> str:
        viewer = viewer_of(dash, s, request)
        require(viewer)
        report = flows_campaigns.apply_campaign(s, spec, dash.now())
        access.audit(s, viewer, "campaign.apply", spec.id, dash.now(), file=name, created=report.created,
                     enrolled=report.enrolled, removed=report.removed)
        return report.campaign_id

    try:
        cid = await dash.db(apply)
    except UserError:
        return await _preview(dash, request, name, text)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/campaigns/{cid}", status_code=303)


@guarded
async def audit_page(request: Request) -> Response:
    """Show the audit log, newest first, filterable by action, actor and target."""
    dash = _dash(request)
    q = request.query_params
    page = int(q["page"]) if q.get("page", "").isdigit() else 1

    def read(s: Session) -> Response:
        viewer = viewer_of(dash, s, request)
        require(viewer)
        found = access.audit_entries(s, action=q.get("action", ""), actor=q.get("actor", ""),
                                     target=q.get("target", ""), page=max(1, min(page, 100_000)))
        return render(request, "audit.html", viewer, found=found, actions=access.audit_actions(s),
                      action=q.get("action", ""), actor=q.get("actor", ""), target=q.get("target", ""))

    return await dash.db(read)


__all__ = ["Denied", "apply_confirm", "apply_form", "apply_preview", "audit_page"]
