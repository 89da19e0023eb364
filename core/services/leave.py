"""Leave and pauses as date ranges: imported by an admin, or recorded when a learner pauses in chat."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.calendar import WorkCalendar, calendar_of
from core.errors import UserError
from core.models import LeavePeriod, Person
from core.services.people import find_person, replan

LEAVE_COLUMNS = ("person", "start", "end")
# A pause with no end date stays open; for streaks it counts as away until the person resumes.
OPEN_END = date(2199, 12, 31)


def away_of(session: Session, person_ids: Sequence[int],
            since: date | None = None) -> dict[int, list[tuple[date, date]]]:
    """Return each person's away ranges (inclusive; open pauses end at OPEN_END), one query."""
    out: dict[int, list[tuple[date, date]]] = defaultdict(list)
    ids = list(person_ids)
    for i in range(0, len(ids), 500):
        stmt = select(LeavePeriod).where(LeavePeriod.person_id.in_(ids[i : i + 500]))
        if since is not None:
            stmt = stmt.where(or_(LeavePeriod.end_date.is_(None), LeavePeriod.end_date >= since))
        for row in session.scalars(stmt):
            out[row.person_id].append((row.start_date, row.end_date or OPEN_END))
    return out


def calendars_of(session: Session, people: Sequence[Person], since: date | None = None,
                 open_pauses: bool = True) -> dict[int, WorkCalendar]:
    """Return each person's working-day calendar (weekend, holidays, leave); open pauses only if asked."""
    away = away_of(session, [p.id for p in people], since)
    return {p.id: calendar_of(p.weekend, p.country, p.region,
                              [r for r in away.get(p.id, []) if open_pauses or r[1] != OPEN_END])
            for p in people}


def record_pause(session: Session, person: Person, today: date, until: date | None, now: datetime) -> None:
    """Record a pause from `today` until a date (inclusive) or open-ended, closing any open one first."""
    close_pause(session, person, today - timedelta(days=1))
    session.add(LeavePeriod(person_id=person.id, start_date=today, end_date=until, source="pause", created_at=now))
    replan(session, person.id)


def close_pause(session: Session, person: Person, last_day: date) -> None:
    """End the person's open or future-ending pauses on `last_day` (the day before they resume)."""
    for row in session.scalars(select(LeavePeriod).where(LeavePeriod.person_id == person.id,
                                                          LeavePeriod.source == "pause")):
        if row.end_date is None or row.end_date > last_day:
            if row.start_date > last_day:
                session.delete(row)
            else:
                row.end_date = last_day


@dataclass
class LeaveRow:
    """One validated line of a leave file."""

    line: int
    person: Person
    start: date
    end: date


def parse_leave(session: Session, path: Path) -> list[LeaveRow]:
    """Read and validate a leave CSV (person,start,end) whole; raise UserError naming the first bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in LEAVE_COLUMNS if c not in header]
    if missing:
        raise UserError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {','.join(LEAVE_COLUMNS)}")
    rows = []
    for raw in reader:
        cell = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        line = reader.line_num
        try:
            person = find_person(session, cell["person"])
        except UserError as exc:
            raise UserError(f"{path}:{line}: person: {exc}") from None
        start, end = (_date(path, line, c, cell[c]) for c in ("start", "end"))
        if end < start:
            raise UserError(f"{path}:{line}: end: {end} is before start {start}")
        rows.append(LeaveRow(line, person, start, end))
    if not rows:
        raise UserError(f"{path}: the leave file has no rows")
    return rows


def _date(path: Path, line: int, column: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{path}:{line}: {column}: {value!r} is not a date such as 2027-02-01") from None


def import_leave(session: Session, path: Path, now: datetime) -> tuple[int, int]:
    """Apply a leave file whole (re-importing adds nothing twice); return (added, already known)."""
    rows = parse_leave(session, path)
    added = known = 0
    for r in rows:
        exists = session.scalars(select(LeavePeriod.id).where(
            LeavePeriod.person_id == r.person.id, LeavePeriod.start_date == r.start,
            LeavePeriod.end_date == r.end, LeavePeriod.source == "leave")).first()
        if exists is not None:
            known += 1
            continue
        session.add(LeavePeriod(person_id=r.person.id, start_date=r.start, end_date=r.end, source="leave",
                                created_at=now))
        replan(session, r.person.id)
        added += 1
    session.flush()
    return added, known
