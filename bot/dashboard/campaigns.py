"""Campaign pages: the list, one campaign (funnel, teams, weeks, items), its learners, pause and resume."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard import charts
from bot.dashboard.app import Dashboard, Denied, as_viewer, check_csrf, dash_of, guarded, render
from bot.dashboard.snapshots import Snapshot
from core.analysis import FLAG_HINTS, ItemStats, QuestionKey
from core.errors import UserError
from core.models import Campaign, Person
from core.services import campaigns as campaign_service
from core.services import dashboard as access
from core.services import dashboard_pages as pages
from flows import campaigns as flows_campaigns


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


def _campaign(s: Session, campaign_id: str) -> Campaign:
    try:
        return campaign_service.get_campaign(s, campaign_id)
    except UserError:
        raise Denied(404, "There is no such campaign.") from None


@guarded
async def campaign_list(request: Request) -> Response:
    """List campaigns with status, audience, reached, active this week and completion."""
    dash = dash_of(request)

    def read(s: Session, viewer: Person) -> Response:
        counts = dash.snapshots.get("counts", lambda s2: pages.campaign_counts(s2, dash.now()))
        return render(request, "campaigns.html", viewer, rows=pages.campaign_rows(s, dash.now(), counts.value),
                      snap=counts)

    return await as_viewer(request, read)


@dataclass(frozen=True)
class Figures:
    """A campaign's counted figures: the overview and the item analysis."""

    overview: pages.CampaignOverview
    items: list[ItemStats]
    keys: dict[str, QuestionKey]
    prompts: dict[str, str]


def _figures(dash: Dashboard, cid: str) -> Snapshot[Figures]:
    def count(s: Session) -> Figures:
        c = _campaign(s, cid)
        items, keys = pages.campaign_items(s, c)
        return Figures(pages.campaign_overview(s, c, dash.now()), items, keys, pages.question_prompts(s, c.track_id))

    return dash.snapshots.get(("campaign", cid), count)


@guarded
async def campaign_page(request: Request) -> Response:
    """Show one campaign: funnel, completion and accuracy by team and week, item analysis, pause/resume."""
    dash = dash_of(request)
    cid = request.path_params["cid"]

    def read(s: Session, viewer: Person) -> Response:
        c = _campaign(s, cid)
        snap = _figures(dash, c.id)
        f = snap.value
        return render(request, "campaign.html", viewer, c=c, o=f.overview, items=f.items, keys=f.keys,
                      hints=FLAG_HINTS, prompts=f.prompts, chart_version=_chart_version(f.overview), snap=snap)

    return await as_viewer(request, read)


def _chart_version(o: pages.CampaignOverview) -> str:
    return "-".join(f"{w.week:%Y%m%d}.{w.answered}.{w.correct}" for w in o.weeks)[-60:] or "empty"


@guarded
async def campaign_chart(request: Request) -> Response:
    """Serve a campaign chart as SVG: `weeks` or `teams` (the page shows the same figures in a table)."""
    dash = dash_of(request)
    cid, which = request.path_params["cid"], request.path_params["chart"]
    if which not in ("weeks", "teams"):
        raise Denied(404, "There is no such chart.")

    def read(s: Session, _viewer: Person) -> tuple[str, pages.CampaignOverview]:
        c = _campaign(s, cid)
        return c.title or c.id, _figures(dash, c.id).value.overview

    title, o = await as_viewer(request, read)
    if which == "weeks":
        svg = charts.weekly_svg(f"{title}: accuracy by week",
                                tuple((f"{w.week:%d %b}", w.answered, w.correct) for w in o.weeks))
    else:
        svg = charts.teams_svg(f"{title}: completion and accuracy by team",
                               tuple((t.manager, t.completion or 0.0, t.accuracy) for t in o.teams))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@guarded
async def campaign_learners(request: Request) -> Response:
    """List a page of a campaign's learners with where they are."""
    cid = request.path_params["cid"]

    def read(s: Session, viewer: Person) -> Response:
        c = _campaign(s, cid)
        found = pages.campaign_learners(s, c.id, page=_page(request))
        return render(request, "learners.html", viewer, c=c, found=found)

    return await as_viewer(request, read)


@guarded
async def confirm_status(request: Request) -> Response:
    """Ask for confirmation before pausing or resuming a campaign."""
    dash = dash_of(request)
    cid, action = request.path_params["cid"], request.path_params["action"]
    if action not in ("pause", "resume"):
        raise Denied(404, "There is no such page.")

    def read(s: Session, viewer: Person) -> Response:
        c = _campaign(s, cid)
        row = _figures(dash, c.id).value.overview.row
        return render(request, "confirm_status.html", viewer, c=c, action=action, row=row)

    return await as_viewer(request, read)


@guarded
async def change_status(request: Request) -> Response:
    """Pause or resume a campaign (POST with CSRF token), and write it to the audit log."""
    dash = dash_of(request)
    cid, action = request.path_params["cid"], request.path_params["action"]
    if action not in ("pause", "resume"):
        raise Denied(404, "There is no such page.")
    form = await request.form()
    check_csrf(request, form)

    def change(s: Session, viewer: Person) -> None:
        c = _campaign(s, cid)
        before = c.status
        if action == "pause":
            flows_campaigns.pause_campaign(s, c.id)
        else:
            flows_campaigns.resume_campaign(s, c.id, dash.now())
        access.audit(s, viewer, f"campaign.{action}", c.id, dash.now(), before=before, after=c.status)

    await as_viewer(request, change)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/campaigns/{cid}", status_code=303)
