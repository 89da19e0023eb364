"""A campaign's report for admins: funnel, completion and accuracy by team and manager, item analysis.

Choices are numbered from 1 in everything this module returns (as in `export answers`); the database
keeps 0-based indexes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from content.grading import selection_of
from core.analysis import (
    DEFAULT_MIN_N,
    FLAG_HINTS,
    FirstAttempt,
    FunnelStep,
    GroupStats,
    ItemStats,
    LearnerRecord,
    QuestionKey,
    funnel,
    group_stats,
    item_analysis,
)
from core.models import Answer, Delivery, Enrollment, Person, TrackVersion
from core.services.campaigns import get_campaign
from core.services.tracks import track_of


@dataclass(frozen=True)
class QuestionInfo:
    """What a question said, from the newest track version it was answered under."""

    prompt: str
    unit: str
    choices: tuple[str, ...]
    correct_index: int  # -1 when no single choice is keyed
    kind: str = "single"
    correct: tuple[int, ...] = ()


@dataclass(frozen=True)
class CampaignReport:
    """Everything `nudgebot report` prints."""

    campaign_id: str
    title: str
    funnel: list[FunnelStep]
    by_team: list[GroupStats]
    by_manager: list[GroupStats]
    items: list[ItemStats]
    questions: dict[str, QuestionInfo]


def build_report(session: Session, campaign_id: str, min_n: int = DEFAULT_MIN_N) -> CampaignReport:
    """Compute the campaign's funnel, group summaries and item analysis (answers read in one query)."""
    campaign = get_campaign(session, campaign_id)
    enrolled = list(session.scalars(
        select(Enrollment).where(Enrollment.campaign_id == campaign_id, Enrollment.status != "anonymised")
        .options(joinedload(Enrollment.person).joinedload(Person.manager)).order_by(Enrollment.id)))
    sent: dict[int | None, int] = {pid: n for pid, n in session.execute(
        select(Delivery.person_id, func.count()).where(
            Delivery.campaign_id == campaign_id, Delivery.kind == "question", Delivery.status == "sent")
        .group_by(Delivery.person_id))}
    answers = session.execute(
        select(Answer.person_id, Answer.question_id, Answer.choice_index, Answer.correct, Answer.latency_ms,
               Answer.track_version_id, Answer.response)
        .where(Answer.campaign_id == campaign_id).order_by(Answer.answered_at, Answer.id)).all()
    attempts = [FirstAttempt(pid, qid, idx, correct, ms, () if idx is not None else tuple(selection_of(resp)))
                for pid, qid, idx, correct, ms, _v, resp in answers]
    answered: Counter[int] = Counter(a.person_id for a in attempts)
    right: Counter[int] = Counter(a.person_id for a in attempts if a.correct)
    learners = [LearnerRecord(person_id=e.person_id, sent=sent.get(e.person_id, 0), answered=answered[e.person_id],
                              correct=right[e.person_id], completed=e.status == "completed",
                              team=e.person.department,
                              manager=e.person.manager.handle if e.person.manager else None)
                for e in enrolled]
    questions = _questions(session, {(qid, v) for _p, qid, _i, _c, _ms, v, _r in answers if v is not None})
    keys = {qid: QuestionKey(q.choices, q.correct_index, q.kind, q.correct) for qid, q in questions.items()}
    return CampaignReport(
        campaign_id=campaign.id, title=campaign.title, funnel=funnel(learners),
        by_team=group_stats(learners, lambda r: r.team), by_manager=group_stats(learners, lambda r: r.manager),
        items=item_analysis(attempts, keys, min_n=min_n), questions=questions)


def _questions(session: Session, used: set[tuple[str, int]]) -> dict[str, QuestionInfo]:
    """Return each answered question's text and choices from the newest version it was answered under."""
    newest: dict[str, int] = {}
    for qid, vid in used:
        newest[qid] = max(vid, newest.get(qid, vid))
    versions = {v.id: v for v in session.scalars(select(TrackVersion).where(TrackVersion.id.in_(set(newest.values()))))}
    out: dict[str, QuestionInfo] = {}
    for qid, vid in newest.items():
        try:
            unit, q = track_of(versions[vid]).question(qid)
        except (KeyError, ValueError):
            continue  # a version that no longer validates or lacks the question: numbers stay, text is unknown
        key = QuestionKey.of(q)
        out[qid] = QuestionInfo(q.prompt, unit.id, key.choices, key.correct_index, q.type, key.correct)
    return out


def _rate(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def report_dict(report: CampaignReport) -> dict[str, Any]:
    """Return the report as plain JSON-ready data (choices numbered from 1)."""
    def group(g: GroupStats) -> dict[str, Any]:
        return {"group": g.group, "people": g.people, "completed": g.completed,
                "completion_rate": _rate(g.completion_rate), "answered": g.answered, "correct": g.correct,
                "accuracy": _rate(g.accuracy)}

    def item(s: ItemStats) -> dict[str, Any]:
        q = report.questions.get(s.question_id)
        return {"question": s.question_id, "text": q.prompt if q else None, "unit": q.unit if q else None,
                "n": s.n, "difficulty": _rate(s.difficulty), "discrimination": _rate(s.discrimination),
                "discrimination_n": s.discrimination_n, "discrimination_note": s.discrimination_note,
                "median_answer_seconds": round(s.median_latency_ms / 1000, 1),
                "choices": [{"number": c.index + 1, "text": c.text, "count": c.count, "share": _rate(c.share),
                             "keyed_correct": c.keyed} for c in s.choices],
                "flags": [str(f) for f in s.flags], "hints": [FLAG_HINTS[f] for f in s.flags]}

    return {"campaign": report.campaign_id, "title": report.title,
            "funnel": [{"step": f.name, "count": f.count, "share_of_enrolled": _rate(f.share_of_enrolled),
                        "share_of_previous": _rate(f.share_of_previous)} for f in report.funnel],
            "by_team": [group(g) for g in report.by_team], "by_manager": [group(g) for g in report.by_manager],
            "items": [item(s) for s in report.items]}


CSV_FIELDS = ["section", "name", "text", "people", "count", "share", "completion_rate", "accuracy",
              "difficulty", "discrimination", "median_answer_seconds", "flags"]


def report_rows(report: CampaignReport) -> list[dict[str, Any]]:
    """Return the report flattened to CSV rows: one per funnel step, group, question and choice."""
    data = report_dict(report)
    rows: list[dict[str, Any]] = [{"section": "funnel", "name": f["step"], "count": f["count"],
                                   "share": f["share_of_enrolled"]} for f in data["funnel"]]
    for section in ("by_team", "by_manager"):
        rows += [{"section": section, "name": g["group"], "people": g["people"], "count": g["completed"],
                  "completion_rate": g["completion_rate"], "accuracy": g["accuracy"]} for g in data[section]]
    for it in data["items"]:
        rows.append({"section": "question", "name": it["question"], "text": it["text"], "count": it["n"],
                     "difficulty": it["difficulty"], "discrimination": it["discrimination"],
                     "median_answer_seconds": it["median_answer_seconds"], "flags": ";".join(it["flags"])})
        rows += [{"section": "choice", "name": f"{it['question']}#{c['number']}", "text": c["text"],
                  "count": c["count"], "share": c["share"], "flags": "keyed" if c["keyed_correct"] else ""}
                 for c in it["choices"]]
    return [{k: r.get(k) for k in CSV_FIELDS} for r in rows]
