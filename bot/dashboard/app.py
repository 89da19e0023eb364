"""The dashboard's plumbing: templates, the signed session, who is signed in, CSRF and role checks.

Pages are plain functions of (request, viewer) that read through core services in a worker thread; a
change is a POST whose form carries the session's CSRF token and is written to the audit log.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.bootstrap import Services
from bot.dashboard.snapshots import Snapshots
from core.models import Person
from core.services import dashboard as access

HERE = Path(__file__).parent
SESSION_HOURS = 8
SESSION_COOKIE = "nudgebot_dashboard"
T = TypeVar("T")

templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))


def pct(value: float | None) -> str:
    """Format a share as a whole percentage, or an en dash when there is none."""
    return "–" if value is None else f"{round(value * 100)}%"


def local(value: datetime | None, zone: str | None, fmt: str = "%a %d %b %Y %H:%M") -> str:
    """Format an instant in a zone (UTC when the person has none)."""
    if value is None:
        return "–"
    return value.astimezone(ZoneInfo(zone or "UTC")).strftime(fmt)


templates.filters.update(pct=pct, local=local)


class Denied(Exception):
    """The signed-in person may not see this page (403), or nobody is signed in (401)."""

    def __init__(self, status: int = 403, message: str = "You don't have access to this page.") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Dashboard:
    """The dashboard's shared state: the services, its settings and the figures' snapshots."""

    services: Services
    snapshots: Snapshots = field(init=False)

    def __post_init__(self) -> None:
        self.snapshots = Snapshots(self.services.db, self.services.clock.now)

    @property
    def url(self) -> str:
        """Return the public address (DASHBOARD_URL) without a trailing slash."""
        return self.services.settings.dashboard_url.rstrip("/")

    @property
    def skip_level(self) -> bool:
        """Return whether managers also see their reports' reports."""
        return self.services.settings.dashboard_skip_level

    async def db(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a session in a worker thread; commit when it returns."""
        def run() -> T:
            with self.services.db.session() as s:
                return fn(s)

        return await asyncio.to_thread(run)

    def now(self) -> datetime:
        """Return the service clock's now (virtual in the demo and tests)."""
        return self.services.clock.now()

    def secret(self) -> str:
        """Return the cookie-signing key: DASHBOARD_SECRET, else one generated once and stored."""
        if self.services.settings.dashboard_secret:
            return self.services.settings.dashboard_secret
        with self.services.db.session() as s:
            return access.stored_secret(s, "dashboard_session", self.now())


class LazySessions:
    """Starlette's signed-cookie sessions, keyed with a secret read from the database on the first request."""

    def __init__(self, app: ASGIApp, dash: Dashboard) -> None:
        self.app = app
        self.dash = dash
        self.inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.inner is None:
            secret = await asyncio.to_thread(self.dash.secret)
            url = self.dash.url
            self.inner = SessionMiddleware(self.app, secret_key=secret, session_cookie=SESSION_COOKIE,
                                           max_age=SESSION_HOURS * 3600, same_site="lax",
                                           https_only=url.startswith("https://"),
                                           path=urlsplit(url).path or "/")
        await self.inner(scope, receive, send)


HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # sign-in links carry a token: never leak the address
    "Cache-Control": "no-store",
}


def start_session(request: Request, person: Person, now: datetime) -> None:
    """Replace whatever session there was with a fresh one for `person`, started at `now`."""
    request.session.clear()
    request.session.update(pid=person.id, since=int(now.timestamp()), csrf=secrets.token_urlsafe(24))


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating one (also before sign-in)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse (403) a POST whose form or X-CSRF-Token header does not carry the session's token."""
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise Denied(403, "This form has expired or did not come from this dashboard. Reload the page and retry.")


def viewer_of(dash: Dashboard, s: Session, request: Request) -> Person:
    """Return the signed-in person; Denied(401) when nobody is, or the session is older than 8 hours.

    The cookie itself also expires after 8 hours; the age is checked here too, by the service clock,
    because the cookie's own lifetime restarts whenever the session is written.
    """
    pid, since = request.session.get("pid"), request.session.get("since")
    age = dash.now().timestamp() - since if isinstance(since, int) else None
    if not isinstance(pid, int) or age is None or not 0 <= age <= SESSION_HOURS * 3600:
        raise Denied(401, "Please sign in.")
    person = s.get(Person, pid)
    if person is None or person.status == "left":
        raise Denied(401, "Please sign in.")
    return person


def dash_of(request: Request) -> Dashboard:
    """Return the dashboard the app serves."""
    dash: Dashboard = request.app.state.dash
    return dash


async def as_viewer(request: Request, work: Callable[[Session, Person], T], *roles: str) -> T:
    """Run `work` in a database session for the signed-in viewer, who must have one of `roles` (admins pass)."""
    dash = dash_of(request)

    def run(s: Session) -> T:
        viewer = viewer_of(dash, s, request)
        require(viewer, *roles)
        return work(s, viewer)

    return await dash.db(run)


def require(viewer: Person, *roles: str) -> None:
    """Refuse (403) unless the viewer has one of `roles` (admins pass every check)."""
    role = access.role_of(viewer)
    if role != "admin" and role not in roles:
        raise Denied(403)


def render(request: Request, template: str, viewer: Person | None, /, status: int = 200,
           **context: Any) -> HTMLResponse:
    """Render a template with the layout's context (the viewer, base path, CSRF token)."""
    base = request.scope.get("root_path", "")
    html = templates.get_template(template).render(
        request=request, viewer=viewer, role=access.role_of(viewer) if viewer else None, base=base,
        csrf=csrf_token(request), path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


Handler = Callable[[Request], Awaitable[Response]]


def guarded(fn: Handler) -> Handler:
    """Turn Denied into a 401 sign-in page or a 403 page."""
    async def run(request: Request) -> Response:
        try:
            response = await fn(request)
        except Denied as exc:
            template = "signin_needed.html" if exc.status == 401 else "denied.html"
            response = render(request, template, None, status=exc.status, message=exc.message)
        response.headers.update(HEADERS)
        return response

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run
