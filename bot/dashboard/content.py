"""Content pages: tracks, their versions and what changed, lint problems, and unit previews per channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard.app import Denied, as_viewer, guarded, render
from bot.dashboard.preview import slack_parts, telegram_parts
from content.linter import lint
from content.problems import LineMap
from core.models import Person, TrackVersion
from core.render import lesson_message, question_message
from core.services import tracks
from core.services.tracks import track_of


@dataclass(frozen=True)
class Change:
    """What changed in a version compared with the one before."""

    version: int
    added: list[str]
    removed: list[str]
    changed: list[str]


def _changes(versions: list[TrackVersion]) -> list[Change]:
    out = []
    for before, after in zip(versions, versions[1:], strict=False):
        old = {u["id"]: u for u in before.body.get("units", [])}
        new = {u["id"]: u for u in after.body.get("units", [])}
        out.append(Change(after.version, [u for u in new if u not in old], [u for u in old if u not in new],
                          [u for u in new if u in old and new[u] != old[u]]))
    return out


@guarded
async def content_page(request: Request) -> Response:
    """List published tracks with their newest version."""

    def read(s: Session, viewer: Person) -> Response:
        return render(request, "content.html", viewer, tracks=tracks.newest_versions(s))

    return await as_viewer(request, read)


def _versions(s: Session, track_id: str) -> list[TrackVersion]:
    found = tracks.versions_of(s, track_id)
    if not found:
        raise Denied(404, "There is no such track.")
    return found


@guarded
async def track_page(request: Request) -> Response:
    """Show a track's versions, what changed between them, lint problems and its units."""
    tid = request.path_params["tid"]

    def read(s: Session, viewer: Person) -> Response:
        versions = _versions(s, tid)
        track = track_of(versions[-1])
        problems = lint(track, LineMap(), f"{tid} v{versions[-1].version}")
        return render(request, "track.html", viewer, tid=tid, versions=list(reversed(versions)), track=track,
                      changes=list(reversed(_changes(versions))), problems=problems)

    return await as_viewer(request, read)


@guarded
async def unit_preview(request: Request) -> Response:
    """Show a unit's lesson and questions as Slack and Telegram will show them."""
    tid, uid = request.path_params["tid"], request.path_params["uid"]

    def read(s: Session, viewer: Person) -> Response:
        version = _versions(s, tid)[-1]
        track = track_of(version)
        index = next((i for i, u in enumerate(track.units) if u.id == uid), None)
        if index is None:
            raise Denied(404, "There is no such unit.")
        unit = track.units[index]
        messages = [lesson_message(track, unit, index + 1)] + [question_message(q, 0) for q in unit.questions]
        shown = [(m, slack_parts(m), telegram_parts(m)) for m in messages]
        return render(request, "unit.html", viewer, tid=tid, track=track, unit=unit, shown=shown,
                      version=version.version)

    return await as_viewer(request, read)
