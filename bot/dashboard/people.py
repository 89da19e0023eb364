"""People pages: a manager's team, one person's page (nudge now, snooze alert), the roster and its loose ends."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels import id_checks
from bot.dashboard.app import Dashboard, Denied, as_viewer, check_csrf, dash_of, guarded, render, require, viewer_of
from core.errors import UserError
from core.models import Person
from core.services import dashboard as access
from core.services import dashboard_people as team
from core.services.progress import active_enrollments
from flows import learning
from flows import people as flows_people
from scheduler.forecast import forecast

MAX_UPLOAD = 2_000_000  # bytes: a roster of tens of thousands of people



def _int(request: Request, name: str, default: int = 1) -> int:
    raw = request.query_params.get(name, "")
    return max(1, min(int(raw), 1_000_000)) if raw.isdigit() else default


@guarded
async def team_page(request: Request) -> Response:
    """Show a manager's reports with progress, accuracy, streak, flags and last activity, sortable."""
    dash = dash_of(request)
    sort = request.query_params.get("sort", "name")
    descending = request.query_params.get("dir") == "desc"

    def read(s: Session, viewer: Person) -> Response:
        manager = viewer
        if access.role_of(viewer) == "admin" and "manager" in request.query_params:
            found = s.get(Person, _int(request, "manager"))
            if found is None:
                raise Denied(404, "There is no such manager.")
            manager = found
        others = team.managers(s) if access.role_of(viewer) == "admin" else []
        ids = access.team_ids(s, manager.id, skip_level=dash.skip_level)
        if not ids and others and manager is viewer:  # an admin without reports starts at the first team
            manager = others[0]
            ids = access.team_ids(s, manager.id, skip_level=dash.skip_level)
        lines = team.team_lines(s, ids, sort=sort, descending=descending)
        page, per = _int(request, "page"), 50
        return render(request, "team.html", viewer, manager=manager, lines=lines[(page - 1) * per:page * per],
                      total=len(lines), page=page, pages=max(1, -(-len(lines) // per)), sort=sort,
                      descending=descending, sorts=team.SORTS, managers=others)

    return await as_viewer(request, read, "manager")


def _person(s: Session, dash: Dashboard, request: Request) -> tuple[Person, Person]:
    viewer = viewer_of(dash, s, request)
    pid = request.path_params.get("pid", viewer.id)
    person = s.get(Person, pid)
    if person is None or not access.can_see_person(s, viewer, person.id, skip_level=dash.skip_level):
        raise Denied(403)
    return viewer, person


@guarded
async def person_page(request: Request) -> Response:
    """Show a person's progress, delivery and answer history, and next nudges in their local time."""
    dash = dash_of(request)

    def read(s: Session) -> Response:
        viewer, person = _person(s, dash, request)
        enrollments = active_enrollments(s, person.id)
        today = dash.now().astimezone(ZoneInfo(person.timezone or "UTC")).date()
        planned = forecast(s, person, enrollments, today, 14, dash.now())[:10]
        line = team.team_lines(s, [person.id])[0]
        acts = viewer.id != person.id and access.role_of(viewer) in ("admin", "manager")
        return render(request, "person.html", viewer, p=person, line=line, enrollments=enrollments,
                      planned=planned, deliveries=team.deliveries_of(s, person.id, page=_int(request, "page")),
                      answers=team.answers_of(s, person.id), can_act=acts, done=request.query_params.get("done"))

    return await dash.db(read)


@guarded
async def person_action(request: Request) -> Response:
    """Nudge a report now or snooze their manager alert (POST with CSRF token), as the chat buttons do."""
    dash = dash_of(request)
    action = request.path_params["action"]
    if action not in ("nudge", "snooze"):
        raise Denied(404, "There is no such page.")
    form = await request.form()
    check_csrf(request, form)

    def act(s: Session) -> tuple[int, list[int], str]:
        viewer, person = _person(s, dash, request)
        if viewer.id == person.id or access.role_of(viewer) == "learner":
            raise Denied(403)
        now = dash.now()
        if action == "nudge":
            ids = learning.next_unit(s, person, now)
            access.audit(s, viewer, "person.nudge", person.handle, now, queued=len(ids))
            return person.id, ids, "nudged" if ids else "nothing"
        touched = access.snooze_alert(s, person.id, now)
        access.audit(s, viewer, "person.snooze_alert", person.handle, now, enrollments=touched)
        return person.id, [], "snoozed"

    pid, ids, done = await dash.db(act)
    if ids:
        await dash.services.dispatcher.send_now(ids)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/people/{pid}?done={done}", status_code=303)


@guarded
async def people_page(request: Request) -> Response:
    """Show the roster upload form, people without a manager and people the bot cannot reach."""

    def read(s: Session, viewer: Person) -> Response:
        return render(request, "people.html", viewer, loose=team.without_manager(s, page=_int(request, "loose")),
                      gone=team.unreachable(s, page=_int(request, "gone")), error=None, report=None)

    return await as_viewer(request, read)


async def read_upload(request: Request, field: str) -> tuple[str, str, object]:
    """Return (file name, text, form) of an uploaded file; Denied(400) when missing, too big or not UTF-8."""
    form = await request.form(max_files=1, max_fields=20)
    check_csrf(request, form)
    upload = form.get(field)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Denied(400, "Choose a file to upload.")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Denied(400, f"{upload.filename}: the file is larger than {MAX_UPLOAD // 1_000_000} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Denied(400, f"{upload.filename}: not UTF-8 text.") from None
    return PurePath(upload.filename).name or "upload", text, form


@guarded
async def import_roster(request: Request) -> Response:
    """Import a roster upload whole, as `nudgebot people import` does: a bad line changes nothing."""
    dash = dash_of(request)
    name, text, _form = await read_upload(request, "roster")
    with tempfile.TemporaryDirectory(prefix="nudgebot-roster-") as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")

        def apply(s: Session) -> tuple[object, str | None]:
            viewer = viewer_of(dash, s, request)
            require(viewer)
            report = flows_people.import_roster(s, path, dash.now(), id_checks())
            access.audit(s, viewer, "people.import", name, dash.now(), created=report.created,
                         updated=report.updated, unchanged=report.unchanged)
            return report, None

        try:
            report, error = await dash.db(apply)
        except UserError as exc:
            report, error = None, str(exc).replace(f"{tmp}/", "")

    def page(s: Session) -> Response:
        viewer = viewer_of(dash, s, request)
        return render(request, "people.html", viewer, loose=team.without_manager(s), gone=team.unreachable(s),
                      error=error, report=report, status=422 if error else 200)

    return await dash.db(page)

