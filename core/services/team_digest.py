"""What a manager's digest says: team summary with its change, a line per report, the hardest questions.

Pure data, one bounded set of queries per digest; core/digest_render.py turns it into a message and
core/charts.py into a picture.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.charts import PersonWeek
from core.models import Answer, Campaign, Delivery, Enrollment, EscalationItem, Person, TrackVersion
from core.services import memory
from core.services.progress import Stats, missed_in_a_row, stats_of_rows
from core.services.reporting import options_of
from core.services.tracks import track_of

__all__ = ["AT_RISK_AFTER_MISSED", "Hard", "Line", "Summary", "TeamDigest", "collect", "previous_digest"]

AT_RISK_AFTER_MISSED = 2  # unanswered questions in a row, counted in questions so a weekend is never "silence"
FIRST_WEEK = timedelta(days=7)
DEFAULT_PERIOD = timedelta(days=7)
HARDEST = 3


@dataclass(frozen=True)
class Summary:
    """Team numbers for one period; stored with the digest so the next one can show the change."""

    people: int
    completion: float | None
    accuracy: float | None
    active: int
    at_risk: int
    struggling: int

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Line:
    """One report's line."""

    person_id: int
    name: str
    depth: int
    stats: Stats
    done: int
    total: int
    at_risk: bool
    struggling: bool
    status: str


@dataclass(frozen=True)
class Hard:
    """A question the team found hard: share correct and the most-picked wrong answer."""

    prompt: str
    answered: int
    correct: float
    wrong_choice: str
    wrong_picks: int


@dataclass
class TeamDigest:
    """Everything one digest shows."""

    since: datetime
    now: datetime
    summary: Summary
    previous: dict[str, Any] | None
    lines: list[Line]
    hardest: list[Hard]
    weeks: list[PersonWeek] = field(default_factory=list)
    pseudonymous: bool = False
    # Reports whose escalation to this manager ended with an answer since the previous digest.
    resolved: list[str] = field(default_factory=list)


def previous_digest(session: Session, manager_id: int) -> Delivery | None:
    """Return the manager's most recent digest delivery, if any."""
    return session.scalars(select(Delivery).where(Delivery.person_id == manager_id, Delivery.kind == "digest")
                           .order_by(Delivery.due_at.desc(), Delivery.id.desc()).limit(1)).first()


def team_of(session: Session, manager_id: int, depth: int) -> list[tuple[Person, int]]:
    """Return the manager's reports (depth 1) and, with depth 2, their reports; never people who left."""
    out: list[tuple[Person, int]] = []
    level, seen = [manager_id], {manager_id}
    for d in range(1, depth + 1):
        found = list(session.scalars(select(Person).where(Person.manager_id.in_(level), Person.status != "left")
                                     .order_by(Person.name, Person.id)))
        found = [p for p in found if p.id not in seen]
        seen.update(p.id for p in found)
        out += [(p, d) for p in found]
        level = [p.id for p in found]
        if not level:
            break
    return out


def collect(session: Session, manager: Person, now: datetime) -> TeamDigest | None:
    """Gather the manager's digest; None without reports, before a campaign's first week or with nothing to say."""
    direct = team_of(session, manager.id, 1)
    if not direct:
        return None
    enrolls = _enrollments(session, [p.id for p, _ in direct])
    options = options_of(session, {e.campaign_id for e in enrolls})
    depth = max((o.digest_depth for o in options.values()), default=1)
    team = team_of(session, manager.id, depth) if depth > 1 else direct
    ids = [p.id for p, _ in team]
    enrolls = _enrollments(session, ids) if depth > 1 else enrolls
    options = options_of(session, {e.campaign_id for e in enrolls})
    campaigns = {e.campaign_id: e.campaign for e in enrolls}
    if not campaigns or all(now.date() < c.start_date + FIRST_WEEK for c in campaigns.values()):
        return None
    prev = previous_digest(session, manager.id)
    since = prev.due_at if prev is not None and prev.due_at < now else now - DEFAULT_PERIOD
    answers = list(session.scalars(select(Answer).where(Answer.person_id.in_(ids)).order_by(Answer.answered_at)))
    stats = _team_stats(session, ids, since)
    missed = missed_in_a_row(session, ids)
    totals = _unit_totals(session, campaigns.values())
    struggling = _struggling(answers, options)
    lines = []
    for p, d in team:
        mine = [e for e in enrolls if e.person_id == p.id]
        s = stats[p.id]
        if not mine and s.sent == 0:
            continue
        at_risk = missed[p.id] >= AT_RISK_AFTER_MISSED or p.status in ("blocked", "deactivated") or (
            s.sent > 0 and s.answered == 0)
        name = memory.with_completions(session, p.id, p.name or p.handle, manager.locale)
        lines.append(Line(p.id, name, d, s, sum(e.position for e in mine),
                          sum(totals.get(e.campaign_id, 0) for e in mine), at_risk, p.id in struggling, p.status))
    if not lines:
        return None
    recent = [a for a in answers if a.answered_at >= since]
    summary = Summary(
        people=len(lines),
        completion=(sum(e.status == "completed" for e in enrolls) / len(enrolls)) if enrolls else None,
        accuracy=(sum(a.correct for a in recent) / len(recent)) if recent else None,
        active=len({a.person_id for a in recent}),
        at_risk=sum(ln.at_risk for ln in lines),
        struggling=sum(ln.struggling for ln in lines))
    record = prev.payload.get("record") if prev is not None else None
    previous = record.get("summary") if isinstance(record, dict) else None
    pseudo = any(o.pseudonymous for o in options.values())
    return TeamDigest(since, now, summary, previous if isinstance(previous, dict) else None, lines,
                      _hardest(session, answers), _weeks(lines, answers, now, pseudo), pseudo,
                      resolved_since(session, manager.id, since, now))


def resolved_since(session: Session, manager_id: int, since: datetime, now: datetime) -> list[str]:
    """Return the names of learners whose escalation to the manager was resolved in (since, now]."""
    rows = session.execute(select(Person.name, Person.id).join(EscalationItem, EscalationItem.learner_id == Person.id)
                           .where(EscalationItem.recipient_id == manager_id, EscalationItem.resolved_at > since,
                                  EscalationItem.resolved_at <= now,
                                  EscalationItem.delivery_key.is_not(None)).distinct().order_by(Person.name))
    return [name or f"#{pid}" for name, pid in rows]


def _team_stats(session: Session, ids: list[int], since: datetime) -> dict[int, Stats]:
    """Like progress.team_stats, but filtered on (person, kind) only so SQLite uses that index at scale."""
    q = (select(Delivery.person_id, Delivery.status, Delivery.sent_at, Answer.correct, Answer.answered_at)
         .outerjoin(Answer, Answer.delivery_id == Delivery.id)
         .where(Delivery.person_id.in_(ids), Delivery.kind == "question")
         .order_by(Delivery.person_id, Delivery.sent_at.desc(), Delivery.id.desc()))
    rows: dict[int, list[tuple[datetime | None, bool | None, datetime | None]]] = defaultdict(list)
    for pid, status, sent_at, correct, answered_at in session.execute(q):
        if pid is not None and status == "sent":
            rows[pid].append((sent_at, correct, answered_at))
    return {pid: stats_of_rows(rows[pid], since) for pid in ids}


def _enrollments(session: Session, ids: list[int]) -> list[Enrollment]:
    return list(session.scalars(select(Enrollment).join(Campaign, Campaign.id == Enrollment.campaign_id)
                                .where(Enrollment.person_id.in_(ids), Enrollment.status.in_(("active", "completed")),
                                       Campaign.status == "active")))


def _unit_totals(session: Session, campaigns: Any) -> dict[str, int]:
    tracks = {c.track_id for c in campaigns}
    newest: dict[str, TrackVersion] = {}
    for v in session.scalars(select(TrackVersion).where(TrackVersion.track_id.in_(tracks))):
        if v.track_id not in newest or v.version > newest[v.track_id].version:
            newest[v.track_id] = v
    units = {t: len(track_of(v).units) for t, v in newest.items()}
    return {c.id: units.get(c.track_id, 0) for c in campaigns}


def _struggling(answers: list[Answer], options: dict[str, Any]) -> set[int]:
    """People whose first-attempt accuracy over their last N answers in a campaign is under its threshold."""
    by: dict[tuple[int, str | None], list[bool]] = defaultdict(list)
    for a in answers:
        by[(a.person_id, a.campaign_id)].append(a.correct)
    out = set()
    for (pid, cid), marks in by.items():
        opt = options.get(cid or "")
        if opt is None:
            continue
        last = marks[-opt.struggle_last:]
        if len(last) >= opt.struggle_last and sum(last) * 100 < opt.struggle_below_pct * len(last):
            out.add(pid)
    return out


def _hardest(session: Session, answers: list[Answer]) -> list[Hard]:
    by: dict[tuple[int | None, str], list[Answer]] = defaultdict(list)
    for a in answers:
        by[(a.track_version_id, a.question_id)].append(a)
    ranked = sorted(((sum(a.correct for a in rows) / len(rows), -len(rows), key) for key, rows in by.items()
                     if any(not a.correct for a in rows)))[:HARDEST]
    prompts = _prompts(session, {k[0] for _, _, k in ranked if k[0] is not None})
    out = []
    for share, neg_n, key in ranked:
        wrong = Counter(a.choice_text for a in by[key] if not a.correct).most_common(1)[0]
        out.append(Hard(prompts.get(key, key[1]), -neg_n, share, wrong[0], wrong[1]))
    return out


def _prompts(session: Session, version_ids: set[int]) -> dict[tuple[int | None, str], str]:
    out: dict[tuple[int | None, str], str] = {}
    for v in session.scalars(select(TrackVersion).where(TrackVersion.id.in_(version_ids))):
        out.update({(v.id, q.id): q.prompt for u in track_of(v).units for q in u.questions})
    return out


def _weeks(lines: list[Line], answers: list[Answer], now: datetime, pseudonymous: bool) -> list[PersonWeek]:
    """Per-person weekly rows for the chart (the last six weeks); one anonymous team row when pseudonymous."""
    start = now.date() - timedelta(days=now.weekday() + 35)
    weeks = [start + timedelta(days=7 * i) for i in range(6)]
    tally: dict[tuple[int, date], list[bool]] = defaultdict(list)
    for a in answers:
        d = a.answered_at.date()
        if d >= start:
            tally[(a.person_id, d - timedelta(days=d.weekday()))].append(a.correct)
    if pseudonymous:
        done, total = sum(ln.done for ln in lines), sum(ln.total for ln in lines)
        team: dict[date, list[bool]] = defaultdict(list)
        for (_, w), marks in tally.items():
            team[w] += marks
        return [PersonWeek("Team", w, done, total, len(team[w]), sum(team[w]), 0) for w in weeks]
    return [PersonWeek(ln.name, w, ln.done, ln.total, len(tally[(ln.person_id, w)]), sum(tally[(ln.person_id, w)]),
                       ln.person_id) for ln in lines for w in weeks]
