"""Applying a campaign file by upload (validated as the CLI does, previewed before it changes anything), and
the audit log."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard.app import Dashboard, Denied, as_viewer, check_csrf, dash_of, guarded, render
from bot.dashboard.people import read_upload
from content.campaign import CampaignSpec
from content.loader import load_campaign_file
from content.problems import ContentError
from core.errors import UserError
from core.models import Person
from core.services import dashboard as access
from flows import campaigns as flows_campaigns
from flows.campaign_preview import preview_campaign


@dataclass
class Preview:
    """What applying a campaign file would do, as `campaign apply --dry-run` works it out, for the page."""

    campaign_id: str
    created: bool
    audience: int
    enrolled: list[Person] = field(default_factory=list)  # who would join
    removed: int = 0
    first_by_zone: list[tuple[str, datetime, int]] = field(default_factory=list)  # zone, first local, people
    conflicts: list[tuple[str, str, int, bool]] = field(default_factory=list)  # other id, title, shared, same time
    warnings: list[str] = field(default_factory=list)


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
    """Describe what applying `spec` would change, with the CLI's dry run; write nothing."""
    found = preview_campaign(s, spec, now)
    zones: dict[str, list[datetime]] = defaultdict(list)
    shared: dict[str, tuple[str, int, bool]] = {}
    for j in found.enroll:
        if j.first_local is not None:
            zones[j.person.timezone or "UTC"].append(j.first_local)
        for c in j.conflicts:
            _title, n, same = shared.get(c.campaign_id, (c.title, 0, False))
            shared[c.campaign_id] = (c.title, n + 1, same or bool(c.same_time))
    return Preview(found.campaign_id, not found.exists, found.audience, [j.person for j in found.enroll],
                   len(found.remove), sorted((z, min(ts), len(ts)) for z, ts in zones.items()),
                   [(cid, title, n, same) for cid, (title, n, same) in sorted(shared.items())], found.warnings)


@guarded
async def apply_form(request: Request) -> Response:
    """Show the campaign upload form."""

    def read(s: Session, viewer: Person) -> Response:
        return render(request, "apply.html", viewer, problems=[], preview=None)

    return await as_viewer(request, read)


@guarded
async def apply_preview(request: Request) -> Response:
    """Validate an uploaded campaign file and preview it; nothing is changed."""
    dash = dash_of(request)
    name, text, _form = await read_upload(request, "campaign")
    return await _preview(dash, request, name, text)


async def _preview(dash: Dashboard, request: Request, name: str, text: str) -> Response:
    spec, problems = parse_spec(name, text)

    def read(s: Session, viewer: Person) -> Response:
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

    return await as_viewer(request, read)


@guarded
async def apply_confirm(request: Request) -> Response:
    """Apply a previewed campaign file for real, as `nudgebot campaign apply` does, and audit it."""
    dash = dash_of(request)
    form = await request.form(max_files=0, max_fields=10)
    check_csrf(request, form)
    name, text = str(form.get("name", "campaign.yaml")), str(form.get("text", ""))
    spec, problems = parse_spec(name, text)
    if spec is None:
        return await _preview(dash, request, name, text)

    def apply(s: Session, viewer: Person) -> str:
        report = flows_campaigns.apply_campaign(s, spec, dash.now())
        access.audit(s, viewer, "campaign.apply", spec.id, dash.now(), file=name, created=report.created,
                     enrolled=report.enrolled, removed=report.removed)
        return report.campaign_id

    try:
        cid = await as_viewer(request, apply)
    except UserError:
        return await _preview(dash, request, name, text)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/campaigns/{cid}", status_code=303)


@guarded
async def audit_page(request: Request) -> Response:
    """Show the audit log, newest first, filterable by action, actor and target."""
    q = request.query_params
    page = int(q["page"]) if q.get("page", "").isdigit() else 1

    def read(s: Session, viewer: Person) -> Response:
        found = access.audit_entries(s, action=q.get("action", ""), actor=q.get("actor", ""),
                                     target=q.get("target", ""), page=max(1, min(page, 100_000)))
        return render(request, "audit.html", viewer, found=found, actions=access.audit_actions(s),
                      action=q.get("action", ""), actor=q.get("actor", ""), target=q.get("target", ""))

    return await as_viewer(request, read)


__all__ = ["Denied", "apply_confirm", "apply_form", "apply_preview", "audit_page"]
