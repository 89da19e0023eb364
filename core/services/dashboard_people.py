"""The dashboard's people pages: a manager's team, one person's history, the roster's loose ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from core.models import Answer, ChatAccount, Delivery, Enrollment, Person, TrackVersion
from core.services.dashboard import Page
from core.services.progress import Stats, team_stats

STRUGGLING_BELOW = 0.5  # accuracy under this, over at least STRUGGLING_MIN answers
STRUGGLING_MIN = 4
SORTS = ("name", "progress", "accuracy", "streak", "last_active", "flags")


@dataclass(frozen=True)
class TeamLine:
    """One report on a manager's team page."""

    person: Person
    done: int
    total: int
    stats: Stats
    at_risk: bool  # quiet long enough for a reminder in at least one campaign
    struggling: bool

    @property
    def progress(self) -> float | None:
        """Return the share of units sent over all their campaigns."""
        return self.done / self.total if self.total else None


def _unit_totals(session: Session, track_ids: set[str]) -> dict[str, int]:
    """Return the unit count of each track's latest version."""
    latest = (select(TrackVersion.track_id, func.max(TrackVersion.version).label("v"))
              .where(TrackVersion.track_id.in_(track_ids)).group_by(TrackVersion.track_id).subquery())
    rows = session.execute(select(TrackVersion.track_id, TrackVersion.body).join(
        latest, (latest.c.track_id == TrackVersion.track_id) & (latest.c.v == TrackVersion.version)))
    return {tid: len(body.get("units", [])) for tid, body in rows}


def team_lines(session: Session, person_ids: Sequence[int], *, sort: str = "name",
               descending: bool = False) -> list[TeamLine]:
    """Return each person's progress, accuracy, streak and flags, sorted (three queries for the team)."""
    people = list(session.scalars(select(Person).where(Person.id.in_(list(person_ids)))))
    enrollments = list(session.scalars(select(Enrollment).options(joinedload(Enrollment.campaign))
                                       .where(Enrollment.person_id.in_(list(person_ids)),
                                              Enrollment.status.in_(("active", "completed")))))
    totals = _unit_totals(session, {e.campaign.track_id for e in enrollments})
    mine: dict[int, list[Enrollment]] = defaultdict(list)
    for e in enrollments:
        mine[e.person_id].append(e)
    stats = team_stats(session, [p.id for p in people])
    lines = []
    for p in people:
        es = mine[p.id]
        total = sum(totals.get(e.campaign.track_id, 0) for e in es)
        done = sum(min(e.position, totals.get(e.campaign.track_id, 0)) for e in es)
        st = stats[p.id]
        risk = any(e.status == "active" and e.unanswered >= e.campaign.remind_after for e in es)
        struggling = st.answered >= STRUGGLING_MIN and (st.accuracy or 0.0) < STRUGGLING_BELOW
        lines.append(TeamLine(p, done, total, st, risk, struggling))
    return sort_lines(lines, sort, descending)


def _value(x: TeamLine, sort: str) -> float | None:
    if sort == "progress":
        return x.progress
    if sort == "accuracy":
        return x.stats.accuracy
    if sort == "streak":
        return float(x.stats.streak)
    if sort == "last_active":
        return x.stats.last_active.timestamp() if x.stats.last_active else None
    return float(x.at_risk + x.struggling)


def sort_lines(lines: list[TeamLine], sort: str, descending: bool) -> list[TeamLine]:
    """Sort team lines by a column (see SORTS); people without a value go last either way."""
    by_name = sorted(lines, key=lambda x: (x.person.name.lower(), x.person.id))
    if sort not in SORTS or sort == "name":
        return list(reversed(by_name)) if descending else by_name
    present = [x for x in by_name if _value(x, sort) is not None]
    missing = [x for x in by_name if _value(x, sort) is None]
    present.sort(key=lambda x: _value(x, sort) or 0.0, reverse=descending)  # stable: ties stay by name
    return present + missing


def deliveries_of(session: Session, person_id: int, *, page: int = 1, per_page: int = 25) -> Page[Delivery]:
    """Return a page of what was sent to a person, newest first."""
    total = session.scalar(select(func.count(Delivery.id)).where(Delivery.person_id == person_id)) or 0
    rows = list(session.scalars(select(Delivery).where(Delivery.person_id == person_id)
                                .order_by(Delivery.due_at.desc(), Delivery.seq.desc(), Delivery.id.desc())
                                .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return Page(rows, page, per_page, total)


def answers_of(session: Session, person_id: int, limit: int = 25) -> list[Answer]:
    """Return a person's latest answers, newest first."""
    return list(session.scalars(select(Answer).where(Answer.person_id == person_id)
                                .order_by(Answer.answered_at.desc(), Answer.id.desc()).limit(limit)))


def managers(session: Session, limit: int = 200) -> list[Person]:
    """Return up to `limit` people who manage someone, by name (for a picker)."""
    ids = select(Person.manager_id).where(Person.manager_id.is_not(None)).distinct()
    return list(session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.name, Person.id)
                                .limit(limit)))


def _paged(session: Session, where: list[object], page: int, per_page: int) -> Page[Person]:
    q = select(Person).where(*where)  # type: ignore[arg-type]
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(Person.id).limit(per_page)
                                .offset((max(page, 1) - 1) * per_page)))
    return Page(rows, page, per_page, total)


def without_manager(session: Session, *, page: int = 1, per_page: int = 25) -> Page[Person]:
    """Return learners who have no manager (nobody hears when they go quiet)."""
    return _paged(session, [Person.manager_id.is_(None), Person.roles.contains("learner"),
                            Person.status != "left"], page, per_page)


def unreachable(session: Session, *, page: int = 1, per_page: int = 25) -> Page[Person]:
    """Return people the bot cannot reach: blocked, deactivated, or without an active chat account."""
    reachable = select(ChatAccount.person_id).where(ChatAccount.status == "active")
    return _paged(session, [Person.status != "left",
                            or_(Person.status.in_(("blocked", "deactivated")), Person.id.not_in(reachable))],
                  page, per_page)
