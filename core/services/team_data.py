"""Everything a batch of managers' digests reads, in one set of queries for the whole batch.

core/services/team_digest.py assembles each digest from this; a batch of 500 managers costs the same
dozen queries as one manager, instead of a dozen per manager.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import (
    Answer,
    Campaign,
    CampaignReporting,
    Completion,
    Delivery,
    Enrollment,
    EscalationItem,
    Person,
    TrackVersion,
)
from core.services.reporting import options_of
from core.services.tracks import track_of

__all__ = ["AnswerRow", "Enrolled", "Report", "Row", "TeamData", "load"]

CHUNK = 5000  # ids per IN list, well under any database's parameter limit
Row = tuple[datetime | None, bool | None, datetime | None]


class Report(NamedTuple):
    """A person in a manager's team, as a digest reads it; `label` is their name, else their handle."""

    id: int
    manager_id: int
    name: str
    status: str
    label: str


class Enrolled(NamedTuple):
    """A report's enrollment, as a digest reads it."""

    person_id: int
    campaign_id: str
    position: int
    status: str


class AnswerRow(NamedTuple):
    """A report's answer, as a digest reads it (a plain row: a batch reads tens of thousands)."""

    id: int
    person_id: int
    campaign_id: str | None
    question_id: str
    track_version_id: int | None
    correct: bool
    choice_text: str
    answered_at: datetime


@dataclass
class TeamData:
    """The batch's teams and their records, keyed by manager or person id."""

    team: dict[int, list[tuple[Report, int]]] = field(default_factory=dict)
    enrollments: dict[int, list[Enrolled]] = field(default_factory=lambda: defaultdict(list))
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    options: dict[str, CampaignReporting] = field(default_factory=dict)
    previous: dict[int, Delivery] = field(default_factory=dict)
    answers: dict[int, list[AnswerRow]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[int, list[Row]] = field(default_factory=lambda: defaultdict(list))
    missed: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    completions: dict[int, list[Completion]] = field(default_factory=lambda: defaultdict(list))
    unit_totals: dict[str, int] = field(default_factory=dict)
    prompts: dict[tuple[int | None, str], str] = field(default_factory=dict)
    resolved: dict[int, list[tuple[str, int, datetime]]] = field(default_factory=lambda: defaultdict(list))


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = list(ids)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def load(session: Session, manager_ids: Sequence[int], now: datetime) -> TeamData:
    """Read the batch's teams (with reports' reports where a campaign asks) and everything their digests show."""
    data = TeamData()
    direct = _reports_of(session, manager_ids)
    _add_enrollments(session, data, [p.id for ps in direct.values() for p in ps])
    depth = {m: max((data.options[e.campaign_id].digest_depth for p in direct.get(m, [])
                     for e in data.enrollments[p.id]), default=1) for m in manager_ids}
    deeper = [p.id for m in manager_ids if depth[m] > 1 for p in direct.get(m, [])]
    second = _reports_of(session, deeper) if deeper else {}
    _add_enrollments(session, data, [p.id for ps in second.values() for p in ps])
    for m in manager_ids:
        team = [(p, 1) for p in direct.get(m, [])]
        if depth[m] > 1:
            seen = {m, *(p.id for p, _ in team)}
            below = sorted((q for p, _ in team for q in second.get(p.id, []) if q.id not in seen),
                           key=lambda q: (q.name, q.id))
            team += [(q, 2) for q in dict.fromkeys(below)]
        data.team[m] = team
    ids = sorted({p.id for team in data.team.values() for p, _ in team})
    _add_records(session, data, ids)
    data.unit_totals = _unit_totals(session, data.campaigns.values())
    data.previous = _previous(session, manager_ids)
    data.prompts = _prompts(session, {a.track_version_id for rows in data.answers.values() for a in rows
                                      if a.track_version_id is not None})
    for rid, name, pid, at in session.execute(
            select(EscalationItem.recipient_id, Person.name, Person.id, EscalationItem.resolved_at)
            .join(Person, Person.id == EscalationItem.learner_id)
            .where(EscalationItem.recipient_id.in_(list(manager_ids)), EscalationItem.resolved_at <= now,
                   EscalationItem.delivery_key.is_not(None))):
        if at is not None:
            data.resolved[rid].append((name, pid, at))
    return data


def _reports_of(session: Session, manager_ids: Sequence[int]) -> dict[int, list[Report]]:
    """Each manager's reports who have not left, by name (plain rows: a batch reads thousands)."""
    out: dict[int, list[Report]] = defaultdict(list)
    for part in _chunks(manager_ids):
        for pid, manager_id, name, status in session.execute(
                select(Person.id, Person.manager_id, Person.name, Person.status)
                .where(Person.manager_id.in_(part), Person.status != "left").order_by(Person.name, Person.id)):
            # Without a name, the handle (email or chat account) says who it is; that is rare, so read one by one.
            label = name or _handle(session, pid)
            assert manager_id is not None
            out[manager_id].append(Report(pid, manager_id, name, status, label))
    return out


def _handle(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return person.handle if person is not None else f"#{person_id}"


def _add_enrollments(session: Session, data: TeamData, ids: list[int]) -> None:
    """Enrollments of `ids` in active campaigns, and each person's longest run of misses in any campaign."""
    new: set[str] = set()
    for part in _chunks(ids):
        for pid, cid, position, status, unanswered, running in session.execute(
                select(Enrollment.person_id, Enrollment.campaign_id, Enrollment.position, Enrollment.status,
                       Enrollment.unanswered, Campaign.status)
                .join(Campaign, Campaign.id == Enrollment.campaign_id)
                .where(Enrollment.person_id.in_(part), Enrollment.status.in_(("active", "completed")))):
            data.missed[pid] = max(data.missed[pid], unanswered)
            if running == "active":
                data.enrollments[pid].append(Enrolled(pid, cid, position, status))
                new.add(cid)
    new -= set(data.campaigns)
    data.campaigns.update((c.id, c) for c in session.scalars(select(Campaign).where(Campaign.id.in_(new))))
    data.options.update(options_of(session, new - set(data.options)))


def _add_records(session: Session, data: TeamData, ids: list[int]) -> None:
    """Answers, question deliveries (for stats) and completions of `ids`."""
    for part in _chunks(ids):
        for row in session.execute(select(Answer.id, Answer.person_id, Answer.campaign_id, Answer.question_id,
                                          Answer.track_version_id, Answer.correct, Answer.choice_text,
                                          Answer.answered_at)
                                   .where(Answer.person_id.in_(part)).order_by(Answer.answered_at)):
            a = AnswerRow._make(row)
            data.answers[a.person_id].append(a)
        # Filtered on (person, kind) only, so SQLite uses that index at scale.
        q = (select(Delivery.person_id, Delivery.status, Delivery.sent_at, Answer.correct, Answer.answered_at)
             .outerjoin(Answer, Answer.delivery_id == Delivery.id)
             .where(Delivery.person_id.in_(part), Delivery.kind == "question")
             .order_by(Delivery.person_id, Delivery.sent_at.desc(), Delivery.id.desc()))
        for pid, status, sent_at, correct, answered_at in session.execute(q):
            if pid is not None and status == "sent":
                data.rows[pid].append((sent_at, correct, answered_at))
        for c in session.scalars(select(Completion).where(Completion.person_id.in_(part))
                                 .order_by(Completion.completed_at, Completion.campaign_id)):
            data.completions[c.person_id].append(c)


def _previous(session: Session, manager_ids: Sequence[int]) -> dict[int, Delivery]:
    """Each manager's most recent digest delivery."""
    out: dict[int, Delivery] = {}
    for part in _chunks(manager_ids):
        ranked = (select(Delivery.id, func.row_number().over(
            partition_by=Delivery.person_id, order_by=(Delivery.due_at.desc(), Delivery.id.desc())).label("n"))
            .where(Delivery.person_id.in_(part), Delivery.kind == "digest").subquery())
        for d in session.scalars(select(Delivery).join(ranked, ranked.c.id == Delivery.id).where(ranked.c.n == 1)):
            assert d.person_id is not None
            out[d.person_id] = d
    return out


def _unit_totals(session: Session, campaigns: Iterable[Campaign]) -> dict[str, int]:
    found = list(campaigns)
    tracks = {c.track_id for c in found}
    newest: dict[str, TrackVersion] = {}
    for v in session.scalars(select(TrackVersion).where(TrackVersion.track_id.in_(tracks))):
        if v.track_id not in newest or v.version > newest[v.track_id].version:
            newest[v.track_id] = v
    units = {t: len(track_of(v).units) for t, v in newest.items()}
    return {c.id: units.get(c.track_id, 0) for c in found}


def _prompts(session: Session, version_ids: set[int]) -> dict[tuple[int | None, str], str]:
    out: dict[tuple[int | None, str], str] = {}
    for v in session.scalars(select(TrackVersion).where(TrackVersion.id.in_(version_ids))):
        out.update({(v.id, q.id): q.prompt for u in track_of(v).units for q in u.questions})
    return out


def summary_of(record: Any) -> dict[str, Any] | None:
    """Return the team summary stored with a digest delivery's payload, if any."""
    rec = record.payload.get("record") if record is not None else None
    found = rec.get("summary") if isinstance(rec, dict) else None
    return found if isinstance(found, dict) else None
