"""The planner: when each enrollment is next due, and what it gets when it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from content.scenarios import asked_questions
from core import render
from core.i18n import translate
from core.models import Campaign, Delivery, Enrollment, TrackVersion
from core.services import due, enrollments, memory, progression
from core.services.outbox import enqueue, existing_keys, pending_ids
from core.services.people import is_reachable
from core.services.tracks import latest_version, track_of
from core.services.translations import localized
from scheduler import learning, workday
from scheduler.cadence import Cadence, local_instant, next_occurrence
from scheduler.workday import WorkRules
from scheduler.workrules import rules_for

if TYPE_CHECKING:
    from content.schema import Question, Track

CATCH_UP = timedelta(hours=6)


def cadence_of(campaign: Campaign) -> Cadence:
    """Return a campaign's cadence."""
    return Cadence.parse(campaign.days, campaign.at_time, campaign.start_date, campaign.end_date)


@dataclass
class PlanReport:
    """What one planning pass queued."""

    planned: int = 0
    due: int = 0
    lessons: int = 0
    digests: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: PlanReport) -> None:
        """Accumulate another report into this one."""
        for f in ("planned", "due", "lessons", "digests", "skipped"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.notes.extend(other.notes)


class TrackCache:
    """Latest published version per track, looked up once per pass."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._hit: dict[str, tuple[TrackVersion, Track] | None] = {}

    def get(self, track_id: str) -> tuple[TrackVersion, Track] | None:
        """Return (version, track) for the newest published version of `track_id`."""
        if track_id not in self._hit:
            v = latest_version(self.session, track_id)
            self._hit[track_id] = None if v is None else (v, track_of(v))
        return self._hit[track_id]


def plan_enrollment(e: Enrollment, now: datetime, rules: WorkRules | None = None) -> None:
    """Set an enrollment's next-due instant: the first scheduled one strictly after `now`.

    Slots move out of the learner's quiet hours, weekend, holidays and leave (`rules`).

    Past the campaign's last day the enrollment is due once more a day after it, so the last
    questions close after their grace period and the learner's record is settled.
    """
    assert e.person.timezone is not None
    cad = cadence_of(e.campaign)
    zone = ZoneInfo(e.person.timezone)
    nxt = workday.next_slot(cad, rules or WorkRules(zone), now)
    if nxt is not None:
        e.next_due_at = nxt[1]
    elif cad.end is not None:
        e.next_due_at = max(now, local_instant(cad.end + timedelta(days=1), cad.at, zone))
    else:
        e.next_due_at = None


def plan_pending(session: Session, now: datetime, limit: int = 5000) -> int:
    """Plan every enrollment that has no next-due instant yet; return how many."""
    n = 0
    while True:
        batch = due.unplanned_enrollments(session, limit)
        rules = rules_for(session, batch)
        for e in batch:
            plan_enrollment(e, now, rules.get(e.id))
        session.flush()
        n += len(batch)
        if len(batch) < limit:
            return n


def process_due(session: Session, now: datetime, limit: int = 2000) -> PlanReport:
    """Queue the nudges of every due enrollment (one batch) and move each to its next instant."""
    report = PlanReport()
    batch = due.due_enrollments(session, now, limit)
    if not batch:
        return report
    tracks = TrackCache(session)
    report.due = len(batch)
    open_qs = due.open_questions(session, [e.id for e in batch])
    questions: list[tuple[Delivery, Question, str]] = []
    todo: list[tuple[Enrollment, tuple[date, datetime] | None]] = []
    rules = rules_for(session, batch)
    for e in batch:
        person = e.person
        if person.timezone is None:
            e.next_due_at = None
            continue
        zone = ZoneInfo(person.timezone)
        cad = cadence_of(e.campaign)
        if cad.end is not None and now.astimezone(zone).date() > cad.end:
            _finish(session, e, now, tracks, open_qs.get(e.id, []), report)
            continue
        occ = workday.latest_slot(cad, rules[e.id], now)
        ok = occ is not None and now - occ[1] <= CATCH_UP and is_reachable(person, occ[0])
        todo.append((e, occ if ok else None))
    with session.no_autoflush:
        already = existing_keys(session, [nudge_key(e, occ[0].isoformat()) for e, occ in todo if occ is not None])
    for e, occ in todo:
        if occ is None:
            report.skipped += 1
        elif nudge_key(e, occ[0].isoformat()) not in already:
            deliver_unit(session, e, occ[0].isoformat(), now, tracks, open_qs.get(e.id, []), report, questions,
                         slot=occ[1])
        if e.status == "active":
            plan_enrollment(e, now, rules.get(e.id))
    _render_questions(session, questions)
    return report


def _finish(session: Session, e: Enrollment, now: datetime, tracks: TrackCache,
            open_qs: list[tuple[Delivery, bool]], report: PlanReport) -> None:
    """Settle an enrollment whose campaign ended: close its last questions, then record the outcome."""
    found = progression.current(session, e, tracks.get(e.campaign.track_id))
    if found is None:
        enrollments.ended(e)
        return
    _close_open_questions(session, e, now, open_qs, found[1], report)
    if learning.check_completion(session, e, found[1], now, ended=True) is None:
        enrollments.ended(e)


def _render_questions(session: Session, questions: list[tuple[Delivery, Question, str]]) -> None:
    # One flush gives every new question its id; then its buttons can name it.
    session.flush()
    for d, q, locale in questions:
        note = translate(locale, "A review: you met this question before.") if d.payload.get("review") else ""
        d.payload = render.question_message(q, d.id, note, locale=locale).to_dict()
    session.flush()


def nudge_key(e: Enrollment, day: str) -> str:
    """Return the outbox key of an enrollment's nudge on a local day."""
    return enrollments.nudge_key(e.id, day)


def deliver_unit(session: Session, e: Enrollment, day: str, now: datetime, tracks: TrackCache,
                 open_qs: list[tuple[Delivery, bool]], report: PlanReport,
                 questions: list[tuple[Delivery, Question, str]], slot: datetime | None = None) -> bool:
    """Queue the enrollment's nudge for local day `day`: due reviews, then the next new unit; False if none.

    Open questions close first (an unanswered one is a lapse). The learner's daily question cap,
    shared by all their campaigns, bounds what goes out; the rest waits for later days. New question
    rows are collected in `questions` for the caller to render once they have ids.
    """
    latest = tracks.get(e.campaign.track_id)
    found = progression.current(session, e, latest)
    if found is None:
        report.notes.append(f"campaign {e.campaign_id}: track {e.campaign.track_id} is not published")
        return False
    version, track = found
    _close_open_questions(session, e, now, open_qs, track, report)
    if learning.check_completion(session, e, track, now) is not None:
        return False
    person = e.person
    room = memory.cap_left(session, person, e.campaign, day)
    where = {q.id: u.id for u in track.units for q in u.questions}
    picks = [(where[q], q) for q in learning.due_questions(session, e, now) if q in where]
    unasked = learning.unasked_questions(session, e, track)
    nxt = progression.next_unit(e, track)
    if e.campaign.spacing == "repeat":
        # A fixed repeat is the drip topped up: the drip's questions first, re-asks fill the room they leave.
        fresh = len(unasked) + (len(asked_questions(nxt[1])) if nxt is not None else 0)
        picks = unasked + picks[: max(0, room - fresh)]
    else:
        picks += unasked
    # A learner gone quiet gets one earlier question a day besides the new unit, not a growing pile.
    picks = picks[: min(room, 1) if e.unanswered >= e.campaign.remind_after else room]
    new_unit = len(picks) < room
    if not picks and not (new_unit and nxt is not None):
        return False
    if enrollments.needs_reminder(e):
        msg = render.reminder_message(person.name, e.unanswered, e.campaign.title or e.campaign.id,
                                      locale=person.locale)
        enqueue(session, key=enrollments.reminder_key(e.id, day), person=person, kind="reminder", message=msg,
                due=now, enrollment_id=e.id, campaign_id=e.campaign_id, seq=0)
        enrollments.reminded(e)
    seq = 1
    for unit_id, qid in picks:
        _ask(session, e, track, version, day, slot, unit_id, qid, seq, now, questions, check=True)
        seq += 1
    if latest is not None and version.id != latest[0].id:
        # The unit the learner was part-way through is asked in full now: the next comes from the new version.
        version, track = progression.current(session, e, latest) or (version, track)
        nxt = progression.next_unit(e, track)
    if nxt is not None and new_unit:
        index, unit = nxt
        mine = localized(session, version, track, person.locale)
        # The key names the local day, not the unit, so a zone change that brings the same local date
        # round again still finds that day's nudge.
        lesson = enqueue(session, key=nudge_key(e, day), kind="lesson", item=unit.id, seq=seq, check=False,
                         message=render.lesson_message(mine, mine.units[index], index + 1, locale=person.locale),
                         track_version_id=version.id, person=person, due=now, enrollment_id=e.id,
                         campaign_id=e.campaign_id)
        assert lesson is not None
        lesson.slot_day, lesson.slot_at = day, slot
        _ask(session, e, track, version, day, slot, unit.id, asked_questions(unit)[0].id, seq + 1, now, questions)
        enrollments.unit_sent(e, now, unit.id)
        report.lessons += 1
    return True


def _ask(session: Session, e: Enrollment, track: Track, version: TrackVersion, day: str, slot: datetime | None,
         unit_id: str, qid: str, seq: int, now: datetime, questions: list[tuple[Delivery, Question, str]],
         check: bool = False) -> None:
    """Queue one question for the day's nudge and note that it was asked."""
    d = enqueue(session, key=enrollments.question_key(e.id, day, qid), person=e.person, kind="question",
                message=None, due=now, item=qid, seq=seq, check=check, enrollment_id=e.id,
                campaign_id=e.campaign_id, track_version_id=version.id, flush=False)
    if d is None:
        return
    d.slot_day, d.slot_at = day, slot
    row = memory.asked(session, e, unit_id, qid, now)
    if row.reviews:
        d.payload = {"review": True}  # rendered with a note once the row has its id
    # The reader's language version has the source's ids and keys; only its words differ.
    mine = localized(session, version, track, e.person.locale)
    questions.append((d, mine.question(qid)[1], e.person.locale))


def _close_open_questions(session: Session, e: Enrollment, now: datetime, open_qs: list[tuple[Delivery, bool]],
                          track: Track, report: PlanReport) -> None:
    """Close the open questions; unanswered ones are lapses and start (or extend) an inactivity episode.

    What the episode brings (more reminders, the manager, the manager's manager) is scheduler/ladder.py's.
    """
    missed, first = 0, None
    for d, answered in open_qs:
        d.closed_at = now
        if not answered:
            missed += 1
            asked = d.sent_at or d.due_at
            first = asked if first is None or asked < first else first
            row = memory.row(session, e.id, d.item)
            if row is not None:
                learning.review(session, e, row, None, None, now)
    if missed:
        enrollments.missed(e, missed, first)


def deliver_now(session: Session, e: Enrollment, now: datetime) -> list[int]:
    """Queue one extra unit for an enrollment right away (the `next` command); return the ids to send.

    Anything already queued for the learner goes first and nothing new is added with it, so `next`
    during a tick never overtakes or reorders units. Outside the campaign's dates nothing is sent, and
    open questions stay open: asking for more is not skipping them.
    """
    if due.has_pending(session, e.id):
        return pending_ids(session, e.person_id)
    assert e.person.timezone is not None
    today = now.astimezone(ZoneInfo(e.person.timezone)).date()
    cad = cadence_of(e.campaign)
    if today < cad.start or (cad.end is not None and today > cad.end):
        return []
    found = progression.current(session, e, TrackCache(session).get(e.campaign.track_id))
    nxt = None if found is None else progression.next_unit(e, found[1])
    if found is None or nxt is None:
        return []
    version, track = found
    index, unit = nxt
    day = f"extra-{now:%Y%m%dT%H%M%S}"
    if existing_keys(session, [nudge_key(e, day)]):
        return []
    lesson = enqueue(session, key=nudge_key(e, day), person=e.person, kind="lesson", item=unit.id, seq=1,
                     check=False, due=now, enrollment_id=e.id, campaign_id=e.campaign_id,
                     message=render.lesson_message(track, unit, index + 1, locale=e.person.locale),
                     track_version_id=version.id)
    assert lesson is not None
    lesson.slot_day = today.isoformat()
    questions: list[tuple[Delivery, Question, str]] = []
    _ask(session, e, track, version, day, None, unit.id, asked_questions(unit)[0].id, 2, now, questions)
    questions[-1][0].slot_day = today.isoformat()
    enrollments.unit_sent(e, now, unit.id)
    _render_questions(session, questions)
    return pending_ids(session, e.person_id)


def digest_instant(campaigns: list[Campaign], zone: ZoneInfo, after: datetime) -> datetime:
    """Return the manager's next weekly digest instant (the first campaign's digest day and time)."""
    day, at = ("mon", "08:30") if not campaigns else (campaigns[0].digest_day, campaigns[0].digest_at)
    hh, mm = at.split(":")
    cad = Cadence.parse([day], f"{hh}:{mm}", after.astimezone(zone).date() - timedelta(days=1))
    nxt = next_occurrence(cad, zone, after)
    assert nxt is not None
    return nxt[1]


__all__ = ["CATCH_UP", "PlanReport", "TrackCache", "cadence_of", "deliver_now", "digest_instant", "plan_pending",
           "process_due"]
