"""Progress: what each learner answered, their accuracy and streak, for commands and digests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.calendar import WorkCalendar
from core.models import Answer, Completion, Delivery, Enrollment, Person
from core.services.leave import calendars_of

# A streak forgives one missed working day in this many; a second miss inside the window ends it.
STREAK_WINDOW = 7


@dataclass(frozen=True)
class Stats:
    """A learner's record over a window."""

    sent: int
    answered: int
    correct: int
    streak: int
    last_active: datetime | None

    @property
    def accuracy(self) -> float | None:
        """Return the share of answers that were right, or None before any answer."""
        return self.correct / self.answered if self.answered else None


def person_stats(session: Session, person_id: int, since: datetime | None = None,
                 campaign_id: str | None = None) -> Stats:
    """Return questions sent and answered, accuracy, current streak and last answer time."""
    return team_stats(session, [person_id], since, campaign_id)[person_id]


def team_stats(session: Session, person_ids: Sequence[int], since: datetime | None = None,
               campaign_id: str | None = None) -> dict[int, Stats]:
    """Return each person's Stats with one query for the whole group (digests, a manager's Home tab)."""
    q = (select(Delivery.person_id, Delivery.sent_at, Answer.correct, Answer.answered_at)
         .outerjoin(Answer, Answer.delivery_id == Delivery.id)
         # status is wrapped so that SQLite looks rows up by person (ix_deliveries_person) instead of
         # scanning every sent delivery through the outbox's status index.
         .where(Delivery.person_id.in_(list(person_ids)), Delivery.kind == "question",
                func.coalesce(Delivery.status, "") == "sent")
         .order_by(Delivery.person_id, Delivery.sent_at.desc(), Delivery.id.desc()))
    if campaign_id is not None:
        q = q.where(Delivery.campaign_id == campaign_id)
    rows: dict[int, list[tuple[datetime | None, bool | None, datetime | None]]] = defaultdict(list)
    for pid, sent_at, correct, answered_at in session.execute(q):
        if pid is not None:
            rows[pid].append((sent_at, correct, answered_at))
    people = list(session.scalars(select(Person).where(Person.id.in_(list(person_ids)))))
    zones = {p.id: ZoneInfo(p.timezone or "UTC") for p in people}
    cals = calendars_of(session, people)
    return {pid: stats_of_rows(rows[pid], since, zones.get(pid, ZoneInfo("UTC")), cals.get(pid, WorkCalendar()))
            for pid in person_ids}


def streak_of(rows: Sequence[tuple[datetime | None, bool | None, datetime | None]], zone: ZoneInfo,
              calendar: WorkCalendar) -> int:
    """Count the working days, back from the latest, on which the learner answered at least one question.

    A working day counts when an answer was given on it or a question sent on it was answered. A working
    day with a question sent and none of that answered is a miss: one miss in STREAK_WINDOW such days is
    forgiven, a second ends the streak. Weekends, holidays, leave and pauses neither count nor break it,
    and the latest day may still be answered, so it is never a miss.
    """
    sent: dict[date, bool] = {}
    answered_on: set[date] = set()
    for sent_at, correct, answered_at in rows:
        if sent_at is not None:
            day = sent_at.astimezone(zone).date()
            sent[day] = sent.get(day, False) or correct is not None
        if answered_at is not None:
            answered_on.add(answered_at.astimezone(zone).date())
    streak, walked = 0, 0
    misses: list[int] = []
    for i, day in enumerate(sorted(set(sent) | answered_on, reverse=True)):
        if not calendar.is_working_day(day):
            continue
        if day in answered_on or sent.get(day):
            streak += 1
        elif i > 0:
            if misses and walked - misses[-1] < STREAK_WINDOW:
                break
            misses.append(walked)
        walked += 1
    return streak


_UTC, _EVERY_DAY = ZoneInfo("UTC"), WorkCalendar()  # the defaults, built once: a digest run asks thousands of times


def stats_of_rows(rows: list[tuple[datetime | None, bool | None, datetime | None]], since: datetime | None,
                  zone: ZoneInfo | None = None, calendar: WorkCalendar | None = None) -> Stats:
    """Return Stats from (sent_at, correct or None, answered_at) rows, newest first (streaks by working day)."""
    zone = zone or _UTC
    calendar = calendar or _EVERY_DAY
    streak = streak_of(rows, zone, calendar)
    last = max((r[2] for r in rows if r[2] is not None), default=None)
    window = [r for r in rows if since is None or (r[0] is not None and r[0] >= since)]
    answered = [r for r in window if r[1] is not None]
    return Stats(sent=len(window), answered=len(answered), correct=sum(1 for r in answered if r[1]),
                 streak=streak, last_active=last)


def active_enrollments(session: Session, person_id: int) -> list[Enrollment]:
    """Return a person's enrollments that are still running, by campaign."""
    return list(session.scalars(select(Enrollment).where(Enrollment.person_id == person_id,
                                                         Enrollment.status.in_(("active", "completed")))
                                .order_by(Enrollment.campaign_id)))


def missed_in_a_row(session: Session, person_ids: Sequence[int]) -> dict[int, int]:
    """Return, per person, the longest current run of unanswered questions across their campaigns."""
    runs = session.execute(select(Enrollment.person_id, func.max(Enrollment.unanswered))
                           .where(Enrollment.person_id.in_(list(person_ids)),
                                  Enrollment.status.in_(("active", "completed")))
                           .group_by(Enrollment.person_id))
    found = {pid: n for pid, n in runs}
    return {pid: found.get(pid, 0) for pid in person_ids}


def completions(session: Session, person_ids: Sequence[int]) -> int:
    """Return how many campaign completions `person_ids` have between them."""
    total = 0
    for i in range(0, len(person_ids), 500):
        total += session.scalar(select(func.count(Completion.enrollment_id)).where(
            Completion.person_id.in_(person_ids[i : i + 500]))) or 0
    return total
