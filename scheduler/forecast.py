"""What a learner's coming nudges will hold: reviews falling due, the next units, under the daily cap.

The schedule command shows this. It walks the same moved slots the planner uses (quiet hours,
weekends, holidays, leave) in time order across the person's campaigns, so the shared daily cap is
spent as the worker would spend it. It cannot know future answers, so a question is predicted
once, when it is due now; the follow-up questions of a new unit come after its first answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from content.scenarios import asked_questions
from core.models import Enrollment, Person
from core.services import memory, progression
from core.services.people import is_reachable
from scheduler import workday
from scheduler.learning import DUE_MARGIN
from scheduler.planner import TrackCache, cadence_of
from scheduler.workrules import rules_for


@dataclass(frozen=True)
class Planned:
    """One planned nudge: its slot, the reviews it holds, its new unit (if any) and the day's cap."""

    campaign: str
    local_date: date
    utc: datetime
    local: datetime
    item: str
    reviews: tuple[str, ...] = ()
    questions: int = 0
    cap: int = 0


@dataclass
class _Pending:
    e: Enrollment
    units: list[str]
    # (due instant, question id): reviews already scheduled, and questions of delivered units never asked.
    due: list[tuple[datetime, str]]


def _pending(session: Session, e: Enrollment, tracks: TrackCache, now: datetime) -> _Pending | None:
    found = progression.version_of(session, e) or tracks.get(e.campaign.track_id)
    if found is None:
        return None
    track = found[1]
    done = set(progression.done_ids(e))
    rows = memory.rows_of(session, e.id)
    here = {q.id for u in track.units for q in u.questions}
    due = [(r.due_at, q) for q, r in rows.items() if q in here and not r.retired and r.due_at is not None]
    due += [(now, q.id) for u in progression.delivered_units(e, track) for q in asked_questions(u) if q.id not in rows]
    return _Pending(e, [u.id for u in track.units if u.id not in done], sorted(due))


def forecast(session: Session, person: Person, enrollments: list[Enrollment], start: date, days: int,
             now: datetime) -> list[Planned]:
    """Return the nudges planned for `person` on local dates start..start+days-1 with their reviews and cap."""
    if person.timezone is None:
        return []
    zone = ZoneInfo(person.timezone)
    running = [e for e in enrollments if e.status == "active" and e.campaign.status == "active"]
    rules = rules_for(session, running)
    tracks = TrackCache(session)
    slots = []
    state: dict[int, _Pending] = {}
    for e in running:
        p = _pending(session, e, tracks, now)
        if p is None:
            continue
        state[e.id] = p
        for day, instant in workday.window_slots(cadence_of(e.campaign), rules[e.id], start, days):
            if (e.next_due_at is None or instant >= e.next_due_at) and is_reachable(person, day):
                slots.append((instant, e.campaign_id, day, e.id))
    used: dict[date, int] = defaultdict(int)
    out = []
    for instant, cid, day, eid in sorted(slots):
        p = state[eid]
        if day not in used:
            used[day] = memory.questions_on(session, person.id, day.isoformat())
        cap = memory.cap_of(person, p.e.campaign)
        room = max(0, cap - used[day])
        ready = [q for when, q in p.due if when <= instant + DUE_MARGIN]
        quiet = p.e.unanswered >= p.e.campaign.remind_after
        picks = ready[: min(room, 1) if quiet else room]
        unit = p.units[0] if p.units and len(picks) < room else ""
        if not picks and not unit:
            continue
        p.due = [(w, q) for w, q in p.due if q not in picks]
        if unit:
            p.units.pop(0)
        used[day] += len(picks) + (1 if unit else 0)
        out.append(Planned(cid, day, instant, instant.astimezone(zone), unit, tuple(picks),
                           len(picks) + (1 if unit else 0), cap))
    return out


__all__ = ["Planned", "forecast"]
