"""Build the dashboard app: its routes, static files and session middleware."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.bootstrap import Services
from bot.dashboard import admin, campaigns, content, people, signin
from bot.dashboard.app import HERE, Dashboard, LazySessions
from bot.dashboard.links import sign_in_url
from bot.settings import Settings

__all__ = ["create_dashboard", "mount_path", "sign_in_url"]


def mount_path(settings: Settings) -> str:
    """Return where the web app serves the dashboard: the path of DASHBOARD_URL (normally /dashboard)."""
    return urlsplit(settings.dashboard_url).path.rstrip("/") or "/dashboard"


def create_dashboard(services: Services) -> Starlette:
    """Return the dashboard app (to mount at the path of DASHBOARD_URL, normally /dashboard)."""
    routes = [
        Route("/", signin.home, methods=["GET"]),
        Route("/signin", signin.signin_form, methods=["GET"]),
        Route("/signin", signin.signin, methods=["POST"]),
        Route("/signout", signin.signout, methods=["POST"]),
        Route("/campaigns", campaigns.campaign_list, methods=["GET"]),
        Route("/campaigns/apply", admin.apply_form, methods=["GET"]),
        Route("/campaigns/apply", admin.apply_preview, methods=["POST"]),
        Route("/campaigns/apply/confirm", admin.apply_confirm, methods=["POST"]),
        Route("/campaigns/{cid}", campaigns.campaign_page, methods=["GET"]),
        Route("/campaigns/{cid}/charts/{chart}.svg", campaigns.campaign_chart, methods=["GET"]),
        Route("/campaigns/{cid}/learners", campaigns.campaign_learners, methods=["GET"]),
        Route("/campaigns/{cid}/{action:str}", campaigns.confirm_status, methods=["GET"]),
        Route("/campaigns/{cid}/{action:str}", campaigns.change_status, methods=["POST"]),
        Route("/team", people.team_page, methods=["GET"]),
        Route("/me", people.person_page, methods=["GET"]),
        Route("/people", people.people_page, methods=["GET"]),
        Route("/people/import", people.import_roster, methods=["POST"]),
        Route("/people/{pid:int}", people.person_page, methods=["GET"]),
        Route("/people/{pid:int}/{action:str}", people.person_action, methods=["POST"]),
        Route("/content", content.content_page, methods=["GET"]),
        Route("/content/{tid}", content.track_page, methods=["GET"]),
        Route("/content/{tid}/units/{uid}", content.unit_preview, methods=["GET"]),
        Route("/audit", admin.audit_page, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    dash = Dashboard(services)
    app = Starlette(routes=routes, middleware=[Middleware(LazySessions, dash=dash)])
    app.state.dash = dash
    return app
