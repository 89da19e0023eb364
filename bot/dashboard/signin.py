"""Signing in by a single-use link, signing out, and the start page for each role."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard.app import Dashboard, Denied, check_csrf, guarded, render, start_session, viewer_of
from core.services import dashboard as access


def _dash(request: Request) -> Dashboard:
    dash: Dashboard = request.app.state.dash
    return dash


@guarded
async def signin_form(request: Request) -> Response:
    """Show a button that uses the link's token, so link previews in chat cannot use it up."""
    token = request.query_params.get("token", "")
    return render(request, "signin.html", None, token=token)


@guarded
async def signin(request: Request) -> Response:
    """Use a sign-in token once and start an 8-hour session; refuse an unknown, used or expired one."""
    dash = _dash(request)
    form = await request.form()
    check_csrf(request, form)
    token = str(form.get("token", ""))

    def use(s: Session) -> int | None:
        person = access.redeem_sign_in(s, token, dash.now())
        if person is None:
            return None
        start_session(request, person, dash.now())
        access.audit(s, person, "sign_in", person.handle, dash.now())
        return person.id

    if await dash.db(use) is None:
        request.session.clear()
        raise Denied(403, "This sign-in link is not valid any more: links work once, for 15 minutes. "
                          "Ask the bot for a new one.")
    return RedirectResponse(f"{request.scope.get('root_path', '')}/", status_code=303)


@guarded
async def signout(request: Request) -> Response:
    """End the session."""
    dash = _dash(request)
    form = await request.form()
    check_csrf(request, form)

    def log(s: Session) -> None:
        viewer = viewer_of(dash, s, request)
        access.audit(s, viewer, "sign_out", viewer.handle, dash.now())

    await dash.db(log)
    request.session.clear()
    return render(request, "signin_needed.html", None, message="You are signed out.")


@guarded
async def home(request: Request) -> Response:
    """Send each role to its first page: campaigns (admin), team (manager), own progress (learner)."""
    dash = _dash(request)
    role = await dash.db(lambda s: access.role_of(viewer_of(dash, s, request)))
    base = request.scope.get("root_path", "")
    target = {"admin": "/campaigns", "manager": "/team"}.get(role, "/me")
    return RedirectResponse(base + target, status_code=303)
