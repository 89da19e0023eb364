"""What a manager's digest says: team summary with its change, a line per report, the hardest questions.

Pure data, read for a whole batch of managers at once (core/services/team_data.py);
core/digest_render.py turns it into a message and core/digest_chart.py into a picture.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.charts import PersonWeek
from core.models import Delivery, Person
from core.services import memory, team_data
from core.services.progress import Stats, stats_of_rows
from core.services.team_data import AnswerRow

__all__ = ["AT_RISK_AFTER_MISSED", "Hard", "Line", "Summary", "TeamDigest", "collect", "collect_many",
           "previous_digest"]

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
    return collect_many(session, [manager], now).get(manager.id)


def collect_many(session: Session, managers: Sequence[Person], now: datetime) -> dict[int, TeamDigest]:
    """Gather the digests of a batch of managers with one set of queries for the whole batch."""
    data = team_data.load(session, [m.id for m in managers], now)
    out = {}
    for m in managers:
        d = _assemble(data, m, now)
        if d is not None:
            out[m.id] = d
    return out


def _assemble(data: team_data.TeamData, manager: Person, now: datetime) -> TeamDigest | None:
    team = data.team.get(manager.id, [])
    if not team:
        return None
    enrolls = [e for p, _ in team for e in data.enrollments[p.id]]
    campaigns = {e.campaign_id: data.campaigns[e.campaign_id] for e in enrolls}
    if not campaigns or all(now.date() < c.start_date + FIRST_WEEK for c in campaigns.values()):
        return None
    options = {cid: data.options[cid] for cid in campaigns}
    prev = data.previous.get(manager.id)
    since = prev.due_at if prev is not None and prev.due_at < now else now - DEFAULT_PERIOD
    answers = sorted((a for p, _ in team for a in data.answers[p.id]), key=lambda a: (a.answered_at, a.id))
    struggling = _struggling(answers, options)
    lines = []
    for p, d in team:
        mine = data.enrollments[p.id]
        s = stats_of_rows(data.rows[p.id], since)
        if not mine and s.sent == 0:
            continue
        at_risk = data.missed[p.id] >= AT_RISK_AFTER_MISSED or p.status in ("blocked", "deactivated") or (
            s.sent > 0 and s.answered == 0)
        name = memory.name_with(p.label, data.completions[p.id], manager.locale)
        lines.append(Line(p.id, name, d, s, sum(e.position for e in mine),
                          sum(data.unit_totals.get(e.campaign_id, 0) for e in mine), at_risk, p.id in struggling,
                          p.status))
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
    pseudo = any(o.pseudonymous for o in options.values())
    resolved = sorted({(name or f"#{pid}", pid) for name, pid, at in data.resolved[manager.id] if at > since})
    return TeamDigest(since, now, summary, team_data.summary_of(prev), lines, _hardest(data.prompts, answers),
                      _weeks(lines, answers, now, pseudo), pseudo, [name for name, _ in resolved])


def _struggling(answers: list[AnswerRow], options: dict[str, Any]) -> set[int]:
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


def _hardest(prompts: dict[tuple[int | None, str], str], answers: list[AnswerRow]) -> list[Hard]:
    by: dict[tuple[int | None, str], list[AnswerRow]] = defaultdict(list)
    for a in answers:
        by[(a.track_version_id, a.question_id)].append(a)
    ranked = sorted(((sum(a.correct for a in rows) / len(rows), -len(rows), key) for key, rows in by.items()
                     if any(not a.correct for a in rows)))[:HARDEST]
    out = []
    for share, neg_n, key in ranked:
        wrong = Counter(a.choice_text for a in by[key] if not a.correct).most_common(1)[0]
        out.append(Hard(prompts.get(key, key[1]), -neg_n, share, wrong[0], wrong[1]))
    return out


def _weeks(lines: list[Line], answers: list[AnswerRow], now: datetime, pseudonymous: bool) -> list[PersonWeek]:
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
    none: list[bool] = []
    return [PersonWeek(ln.name, w, ln.done, ln.total, len(marks), sum(marks), ln.person_id)
            for ln in lines for w in weeks for marks in (tally.get((ln.person_id, w), none),)]
