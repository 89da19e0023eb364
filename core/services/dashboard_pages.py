"""What the dashboard's pages show, read with a few aggregate queries each and paged.

Campaign figures come from the enrollments table (reached = a unit was sent, active = answered in
the last 7 days), so listing campaigns never scans the outbox. Weekly and per-team accuracy are one
GROUP BY over the campaign's answers. Item analysis (core.analysis) needs every first attempt. On a
campaign of 100,000 learners these take seconds, so the dashboard keeps them briefly
(bot/dashboard/snapshots.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from content.grading import selection_of
from core.analysis import FirstAttempt, FunnelStep, ItemStats, QuestionKey, item_analysis
from core.models import Answer, Campaign, Enrollment, Person
from core.services.dashboard import Page
from core.services.tracks import latest_version, track_of

ACTIVE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class CampaignRow:
    """One campaign in the list, with its audience figures."""

    campaign: Campaign
    audience: int
    reached: int
    answered: int
    active_week: int
    completed: int

    @property
    def completion(self) -> float | None:
        """Return the share of the audience that finished, or None without an audience."""
        return self.completed / self.audience if self.audience else None


def _enrollment_counts(now: datetime) -> list[Any]:
    return [func.count(Enrollment.id),
            func.count(Enrollment.last_sent_at),
            func.count(Enrollment.last_answer_at),
            func.sum(case((Enrollment.last_answer_at >= now - ACTIVE_WINDOW, 1), else_=0)),
            func.sum(case((Enrollment.status == "completed", 1), else_=0))]


Counts = dict[str, tuple[int, int, int, int, int]]


def campaign_counts(session: Session, now: datetime) -> Counts:
    """Return each campaign's (audience, reached, answered, active this week, completed) in one query."""
    q = (select(Enrollment.campaign_id, *_enrollment_counts(now))
         .where(Enrollment.status.notin_(("removed", "anonymised"))).group_by(Enrollment.campaign_id))
    return {cid: (int(a or 0), int(b or 0), int(c or 0), int(d or 0), int(e or 0))
            for cid, a, b, c, d, e in session.execute(q)}


def campaign_rows(session: Session, now: datetime, counts: Counts | None = None) -> list[CampaignRow]:
    """Return every campaign with audience, reached, active this week and completed (two queries)."""
    counts = campaign_counts(session, now) if counts is None else counts
    return [CampaignRow(c, *counts.get(c.id, (0, 0, 0, 0, 0)))
            for c in session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id))]


@dataclass(frozen=True)
class TeamFigures:
    """Completion and accuracy of one manager's reports in a campaign."""

    manager: str
    people: int
    completed: int
    answered: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        """Return the pooled share of right answers, or None before any answer."""
        return self.correct / self.answered if self.answered else None

    @property
    def completion(self) -> float | None:
        """Return the share of people who finished."""
        return self.completed / self.people if self.people else None


@dataclass(frozen=True)
class WeekFigures:
    """A campaign's answers in one week (weeks start on Monday, UTC)."""

    week: date
    answered: int
    correct: int
    people: int

    @property
    def accuracy(self) -> float | None:
        """Return the share of that week's answers that were right."""
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class CampaignOverview:
    """A campaign's page: the funnel, figures by team and by week."""

    row: CampaignRow
    funnel: list[FunnelStep]
    teams: list[TeamFigures]
    weeks: list[WeekFigures]


def _week_start(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    # SQLite: 'weekday 0' moves forward to Sunday (or stays), so six days back is that week's Monday.
    return func.date(column, "weekday 0", "-6 days")


def _funnel(counts: list[tuple[str, int]]) -> list[FunnelStep]:
    """Build core.analysis funnel steps from counts already aggregated in the database."""
    enrolled = counts[0][1]
    steps, previous = [], enrolled
    for name, n in counts:
        steps.append(FunnelStep(name, n, n / enrolled if enrolled else None, n / previous if previous else None))
        previous = n
    return steps


def campaign_overview(session: Session, campaign: Campaign, now: datetime) -> CampaignOverview:
    """Return a campaign's funnel and its completion and accuracy by team and by week."""
    manager = Person.manager_id
    learner = Person.__table__.alias("learner")
    per_team = session.execute(
        select(learner.c.manager_id, *_enrollment_counts(now))
        .select_from(Enrollment).join(learner, learner.c.id == Enrollment.person_id)
        .where(Enrollment.campaign_id == campaign.id, Enrollment.status.notin_(("removed", "anonymised")))
        .group_by(learner.c.manager_id)).all()
    week = _week_start(session, Answer.answered_at).label("week")
    answers = session.execute(
        select(manager, week, func.count(Answer.id), func.sum(case((Answer.correct, 1), else_=0)),
               func.count(Answer.person_id.distinct()))
        .join(Person, Person.id == Answer.person_id)
        .where(Answer.campaign_id == campaign.id).group_by(manager, literal_column("week"))).all()
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_([m for m, *_ in per_team if m is not None]))).all())
    totals = [sum(int(r[i] or 0) for r in per_team) for i in range(1, 6)]
    row = CampaignRow(campaign, *totals)
    by_manager: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    by_week: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for m, wk, n, right, people in answers:
        by_manager[m][0] += int(n)
        by_manager[m][1] += int(right or 0)
        w = by_week[str(wk)]
        w[0], w[1], w[2] = w[0] + int(n), w[1] + int(right or 0), w[2] + int(people)
    teams = sorted((TeamFigures(names.get(m, "(no manager)") if m is not None else "(no manager)", int(n),
                                int(done or 0), *by_manager[m])
                    for m, n, _sent, _ans, _act, done in per_team), key=lambda t: (-t.people, t.manager))
    weeks = [WeekFigures(date.fromisoformat(k[:10]), *v) for k, v in sorted(by_week.items())]
    funnel = _funnel([("enrolled", row.audience), ("reached", row.reached), ("answered", row.answered),
                      ("completed", row.completed)])
    return CampaignOverview(row, funnel, teams, weeks)


def campaign_items(session: Session, campaign: Campaign) -> tuple[list[ItemStats], dict[str, QuestionKey]]:
    """Return the item analysis of a campaign's first attempts (every answer is read: keep the result)."""
    keys = question_keys(session, campaign.track_id)
    rows = session.execute(select(Answer.person_id, Answer.question_id, Answer.choice_index, Answer.correct,
                                  Answer.latency_ms, Answer.response)
                           .where(Answer.campaign_id == campaign.id).order_by(Answer.answered_at, Answer.id))
    attempts = (FirstAttempt(p, q, i, c, ms, () if i is not None else tuple(selection_of(resp)))
                for p, q, i, c, ms, resp in rows)
    return item_analysis(attempts, keys), keys


def question_keys(session: Session, track_id: str) -> dict[str, QuestionKey]:
    """Return each question's choice texts and keyed answer from the track's latest version."""
    v = latest_version(session, track_id)
    if v is None:
        return {}
    keys = {}
    for unit in track_of(v).units:
        for q in unit.questions:
            keys[q.id] = QuestionKey.of(q)
    return keys


def question_prompts(session: Session, track_id: str) -> dict[str, str]:
    """Return each question's prompt in the track's latest version, for labelling item rows."""
    v = latest_version(session, track_id)
    return {} if v is None else {q.id: q.prompt for u in track_of(v).units for q in u.questions}


@dataclass(frozen=True)
class LearnerLine:
    """One learner of a campaign in its paged list."""

    person: Person
    enrollment: Enrollment


def campaign_learners(session: Session, campaign_id: str, *, page: int = 1, per_page: int = 50,
                      status: str = "") -> Page[LearnerLine]:
    """Return a page of a campaign's learners in the order they were enrolled (two indexed queries)."""
    q = (select(Enrollment, Person).join(Person, Person.id == Enrollment.person_id)
         .where(Enrollment.campaign_id == campaign_id, Enrollment.status.notin_(("removed", "anonymised"))))
    count = select(func.count(Enrollment.id)).where(Enrollment.campaign_id == campaign_id,
                                                     Enrollment.status.notin_(("removed", "anonymised")))
    if status:
        q = q.where(Enrollment.status == status)
        count = count.where(Enrollment.status == status)
    total = session.scalar(count) or 0
    rows = session.execute(q.order_by(Enrollment.id).limit(per_page).offset((max(page, 1) - 1) * per_page))
    return Page([LearnerLine(p, e) for e, p in rows], page, per_page, total)
