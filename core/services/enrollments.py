"""An enrollment's state changes and its outbox keys, each in one place.

The planner and the answer path both move an enrollment along; they call these functions so the
counters and the keys they build are defined once.
"""

from __future__ import annotations

from datetime import date, datetime

from core.models import Enrollment


def nudge_key(enrollment_id: int, day: str) -> str:
    """Return the key of an enrollment's nudge on a local day: one per campaign per day."""
    return f"e{enrollment_id}:{day}:lesson"


def question_key(enrollment_id: int, day: str, question_id: str) -> str:
    """Return the key of a question asked in the nudge of local day `day`."""
    return f"e{enrollment_id}:{day}:q:{question_id}"


def followup_key(question_delivery_key: str, question_id: str) -> str:
    """Return the key of the unit's next question, asked after the one with `question_delivery_key`."""
    return f"{question_delivery_key.rsplit(':', 1)[0]}:{question_id}"


def reminder_key(enrollment_id: int, day: str) -> str:
    """Return the key of the reminder sent with the nudge of local day `day`."""
    return f"e{enrollment_id}:{day}:reminder"


def escalation_key(enrollment_id: int, on: date, missed: int) -> str:
    """Return the key of the manager's heads-up after `missed` unanswered questions."""
    return f"e{enrollment_id}:escalation:{on.isoformat()}:{missed}"


def unit_sent(e: Enrollment, now: datetime, unit_id: str | None = None) -> None:
    """Record that the enrollment's next unit went out (by id, so a new track version cannot shift it)."""
    e.position += 1
    e.last_sent_at = now
    if unit_id is not None:
        e.units_done = [*(e.units_done or []), unit_id]


def missed(e: Enrollment, count: int, since: datetime | None = None) -> None:
    """Record `count` more questions closed without an answer; the first starts an inactivity episode at `since`."""
    e.unanswered += count
    if e.quiet_since is None and since is not None:
        e.quiet_since = since


def answered(e: Enrollment, now: datetime) -> None:
    """Record an answer: the inactivity episode (its reminder, escalation and ladder) ends."""
    e.unanswered, e.reminded, e.escalated, e.last_answer_at = 0, False, False, now
    e.quiet_since, e.snoozed_until = None, None


def needs_reminder(e: Enrollment) -> bool:
    """Return True when the learner has gone quiet long enough for their one reminder."""
    return e.unanswered >= e.campaign.remind_after and not e.reminded


def reminded(e: Enrollment) -> None:
    """Record that the learner was reminded in this episode."""
    e.reminded = True


def needs_escalation(e: Enrollment) -> bool:
    """Return True when the learner's manager should hear about this episode."""
    return e.unanswered >= e.campaign.manager_after and not e.escalated


def escalated(e: Enrollment) -> None:
    """Record that the manager heard about this episode."""
    e.escalated = True


def completed(e: Enrollment) -> None:
    """Record that the enrollment has nothing more to send."""
    e.status, e.next_due_at = "completed", None


def ended(e: Enrollment) -> None:
    """Record that the campaign ended before the learner completed it."""
    e.status, e.next_due_at = "ended", None
