"""The learning engine: memory states per (enrollment, question), what is due, mastery and completion.

A review turns an answer into a rating (scheduler.spacing.rate) and moves the question's memory
state with the campaign's schedule: FSRS (default), a Leitner box system, a plain drip that asks
every question once, or a fixed repeat (the drip, then every question again in a fixed round-robin
order, whatever the answers). Every review is logged so FSRS parameters can be re-fitted.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.diff import recall_form
from content.scenarios import asked_questions, follow_up_ids
from core.models import Answer, Completion, Delivery, Enrollment, MemoryRow, ReviewLogRow, TrackVersion
from core.services import enrollments, memory, progression, settings, statements, tracks
from core.services.memory import rows_of
from core.services.tracks import track_of
from scheduler.spacing import MemoryState, Rating, Spacing, SpacingError, is_retired, optimize, rate

if TYPE_CHECKING:
    from content.schema import Question, Track

# Chat nudges come a day apart at the closest, so minute-long learning steps would only make every
# new question due again the next day: FSRS schedules from the first answer straight away.
# content.campaign.DEFAULT_RETENTION, written out: importing the campaign spec (pydantic) would slow every tick.
RETENTION = 0.8
SPACING = Spacing(desired_retention=RETENTION, learning_steps=(), relearning_steps=())
_SCHEDULERS: dict[tuple[tuple[float, ...] | None, float], Spacing] = {(None, RETENTION): SPACING}
LEITNER_DAYS = (1, 2, 4, 8, 16, 32, 64, 128)
# A review due later today (the nudge is at 09:30, yesterday's answer came at 09:34) still counts.
DUE_MARGIN = timedelta(hours=12)


def spacing_for(session: Session, campaign_id: str, retention: float = RETENTION) -> Spacing:
    """Return the FSRS scheduler for a campaign at its desired retention: parameters fitted by
    `nudgebot fsrs optimize`, else defaults."""
    fitted = settings.fsrs_parameters(session, campaign_id)
    try:
        return _scheduler(None if fitted is None else tuple(fitted), retention)
    except SpacingError:
        return _scheduler(None, retention)  # unusable stored values never stop the planner


def _scheduler(parameters: tuple[float, ...] | None, retention: float) -> Spacing:
    key = (parameters, retention)
    if key not in _SCHEDULERS:
        _SCHEDULERS[key] = Spacing(parameters, desired_retention=retention, learning_steps=(), relearning_steps=())
    return _SCHEDULERS[key]


def fit_parameters(session: Session, campaign_id: str | None, now: datetime) -> tuple[list[float], int]:
    """Re-fit FSRS parameters from the stored review logs (one campaign's, or all) and store them; return them.

    Raises OptimizerUnavailable without the optional extra and SpacingError for an unusable log.
    """
    logs = settings.review_logs(session, campaign_id)
    if not logs:
        raise SpacingError("no reviews stored yet" + (f" in campaign {campaign_id}" if campaign_id else ""))
    fitted = optimize(logs)
    Spacing(fitted)  # within fsrs's bounds, or SpacingError
    settings.put(session, settings.fsrs_key(campaign_id),
                 {"parameters": fitted, "reviews": len(logs), "fitted_at": now.isoformat()}, now)
    return fitted, len(logs)


def median_latency(session: Session, person_id: int, before: datetime) -> int | None:
    """Return the learner's median answer time over their last 50 answers before `before`."""
    times = list(session.scalars(select(Answer.latency_ms).where(Answer.person_id == person_id,
                                                                  Answer.answered_at < before)
                                 .order_by(Answer.answered_at.desc()).limit(50)))
    return int(statistics.median(times)) if times else None


def review(session: Session, e: Enrollment, row: MemoryRow, correct: bool | None, duration_ms: int | None,
           now: datetime) -> Rating:
    """Score one review of a question (None: left unanswered past its grace period, a lapse)."""
    # Everything read before the row changes: a query in between would flush it twice.
    c = e.campaign
    fsrs = spacing_for(session, e.campaign_id, c.retention) if c.spacing == "fsrs" else SPACING
    if correct is None:
        rating = Rating.Again
    else:
        rating = rate(correct, duration_ms or 0, median_latency(session, e.person_id, now))
        if row.first_correct is None:
            row.first_correct = correct
        row.ever_correct = row.ever_correct or correct
    if c.spacing == "drip":
        row.state, row.due_at, row.retired = {"asked": True}, None, True
    elif c.spacing == "repeat":
        # Answer-blind: due again at once, asked again when its turn in the round comes; it never retires.
        row.state, row.due_at, row.retired = {"asked": row.reviews + 1}, now, False
    elif c.spacing == "leitner":
        box = -1 if row.state is None else int(row.state.get("box", -1))
        box = 0 if rating == Rating.Again else min(box + 1, len(LEITNER_DAYS) - 1)
        days = LEITNER_DAYS[box]
        row.state, row.due_at = {"box": box}, now + timedelta(days=days)
        row.retired = row.ever_correct and rating != Rating.Again and days >= c.mastery_days
    else:
        before = MemoryState.from_dict(row.state) if row.state and "state" in row.state else None
        after, _ = fsrs.review(before, rating, now, duration_ms, card_id=row.id or 0)
        row.state, row.due_at = after.to_dict(), after.due
        row.retired = row.ever_correct and is_retired(after, c.mastery_days)
    row.reviews += 1
    row.lapses += rating == Rating.Again
    row.updated_at = now
    session.flush()
    session.add(ReviewLogRow(memory_id=row.id, person_id=e.person_id, campaign_id=e.campaign_id,
                             question_id=row.question_id, rating=int(rating), duration_ms=duration_ms,
                             reviewed_at=now))
    return rating


def due_questions(session: Session, e: Enrollment, now: datetime) -> list[str]:
    """Return the question ids due for review: most forgotten (fsrs), least asked (repeat), else first due first."""
    horizon = now + DUE_MARGIN
    rows = [r for r in rows_of(session, e.id).values()
            if not r.retired and r.due_at is not None and r.due_at <= horizon and r.state is not None]
    if e.campaign.spacing == "fsrs":
        fsrs = spacing_for(session, e.campaign_id, e.campaign.retention)

        def forgotten(r: MemoryRow) -> tuple[float, datetime, int]:
            assert r.state is not None and r.due_at is not None
            return fsrs.retrievability(MemoryState.from_dict(r.state), now), r.due_at, r.id
        rows.sort(key=forgotten)
    elif e.campaign.spacing == "repeat":
        rows.sort(key=lambda r: (r.reviews, r.asked_at, r.id))
    else:
        rows.sort(key=lambda r: (r.due_at, r.id))
    return [r.question_id for r in rows]


def unasked_questions(session: Session, e: Enrollment, track: Track) -> list[tuple[str, str]]:
    """Return (unit id, question id) of questions in units already delivered that were never asked."""
    seen = rows_of(session, e.id)
    return [(u.id, q.id) for u in progression.delivered_units(e, track) for q in asked_questions(u)
            if q.id not in seen]


def check_completion(session: Session, e: Enrollment, track: Track, now: datetime,
                     ended: bool = False, rows: dict[str, MemoryRow] | None = None) -> Completion | None:
    """Record the enrollment's completion when it is due; return the record, or None.

    Mastery: every unit delivered and every question answered right at least once and retired (with
    the drip schedule, answered once). When the campaign's end passed (`ended`) a learner who
    answered anything completes with the score they have; one who never answered does not.
    `rows` are the enrollment's memory rows when the caller has them all.
    """
    found = session.get(Completion, e.id)
    if found is not None:
        return found
    rows = rows_of(session, e.id) if rows is None else rows
    qids = [q.id for u in track.units for q in asked_questions(u)]
    answered = [r for r in rows.values() if r.first_correct is not None]
    if ended:
        if not answered:
            return None
        reason = "ended"
    else:
        drip = e.campaign.spacing == "drip"
        done = progression.all_delivered(e, track) and all(
            q in rows and rows[q].retired and (rows[q].first_correct is not None if drip else rows[q].ever_correct)
            for q in qids)
        if not done:
            return None
        reason = "mastered"
    first = sum(1 for q in qids if q in rows and rows[q].first_correct)
    score = first / len(qids) if qids else 0.0
    c = Completion(enrollment_id=e.id, person_id=e.person_id, campaign_id=e.campaign_id, completed_at=now,
                   reason=reason, score=score, pass_mark=e.campaign.pass_mark, passed=score >= e.campaign.pass_mark,
                   questions=len(qids), first_correct=first)
    session.add(c)
    enrollments.completed(e)
    session.flush()
    statements.on_completion(session, c, e.person, track)
    return c


def recall_share(session: Session, e: Enrollment, track: Track, now: datetime) -> float:
    """Return the mean predicted recall over the track's questions at `now` (0 for never-reviewed ones)."""
    rows = rows_of(session, e.id)
    qids = [q.id for u in track.units for q in asked_questions(u)]
    total = 0.0
    for q in qids:
        r = rows.get(q)
        if r is not None and r.state and "state" in r.state:
            total += SPACING.retrievability(MemoryState.from_dict(r.state), now)
    return total / len(qids) if qids else 0.0


def answered(session: Session, delivery: Delivery, now: datetime, answer: Answer | None = None) -> Completion | None:
    """Score a just-recorded answer (`answer`, else the delivery's) into its question's memory state.

    Records the completion if it came with this answer.
    """
    if delivery.enrollment_id is None or delivery.track_version_id is None:
        return None
    e = session.get(Enrollment, delivery.enrollment_id)
    a = answer or session.scalars(select(Answer).where(Answer.delivery_id == delivery.id)).first()
    version = session.get(TrackVersion, delivery.track_version_id)
    if e is None or a is None or version is None:
        return None
    track = track_of(version)
    unit, asked = track.question(delivery.item)
    mine = progression.version_of(session, e)
    if mine is not None and mine[0].id != version.id and _changed(asked, mine[1]):
        return None  # asked in an earlier wording; the question starts afresh in the version the learner is on
    rows = rows_of(session, e.id)
    if delivery.item not in follow_up_ids(unit):  # a scenario's later steps have none: its first step speaks
        row = rows.get(delivery.item)
        if row is None:
            row = rows[delivery.item] = memory.asked(session, e, unit.id, delivery.item, now, known_new=True)
        review(session, e, row, a.correct, a.latency_ms, now)
    if mine is None:
        latest = tracks.latest_version(session, e.campaign.track_id)
        mine = None if latest is None else (latest, track_of(latest))
    return check_completion(session, e, mine[1] if mine else track, now, rows=rows)


def _changed(q: Question, track: Track) -> bool:
    try:
        return recall_form(track.question(q.id)[1]) != recall_form(q)
    except KeyError:
        return True
