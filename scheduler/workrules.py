"""Load each enrollment's working-day rules (zone, calendar, quiet hours) for a batch, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.calendar import WorkCalendar
from core.models import Campaign, Enrollment, Person
from core.services.leave import calendars_of
from scheduler.cadence import WEEKDAYS
from scheduler.workday import WorkRules, quiet_spans


def rules_of(person: Person, campaign: Campaign, calendar: WorkCalendar) -> WorkRules:
    """Return a person's working-time rules in a campaign (their quiet hours add to the campaign's).

    Without a weekend of their own, the days the campaign does not run are the person's days off, so a
    slot moved by a holiday or leave lands on the campaign's next day, not on a Saturday.
    """
    assert person.timezone is not None
    quiet = quiet_spans(campaign.quiet_hours, person.quiet_hours)
    # Only a rule that moves slots needs the days off; without one the plain cadence is the fast path.
    if not person.weekend and (calendar.country or calendar.away or quiet):
        calendar = replace(calendar, weekend=frozenset(range(7)) - _campaign_days(campaign.days))
    return WorkRules(ZoneInfo(person.timezone), calendar, quiet)


def with_days_off(person: Person, campaign: Campaign, calendar: WorkCalendar) -> WorkCalendar:
    """Return the calendar with the person's weekend, or without one the days the campaign does not run."""
    if person.weekend:
        return calendar
    return replace(calendar, weekend=frozenset(range(7)) - _campaign_days(campaign.days))


@lru_cache(maxsize=256)
def _campaign_days(days: str) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(n.strip().lower()[:3]) for n in days.split(",") if n.strip())


def rules_for(session: Session, batch: Sequence[Enrollment], since: date | None = None) -> dict[int, WorkRules]:
    """Return {enrollment id: WorkRules} for enrollments whose person has a time zone.

    Open-ended pauses are left out: the planner skips a paused person's slots instead, so their
    enrollments keep a next-due instant and are not re-planned every tick.
    """
    people = {e.person.id: e.person for e in batch if e.person.timezone is not None}
    cals = calendars_of(session, list(people.values()), since, open_pauses=False)
    return {e.id: rules_of(e.person, e.campaign, cals[e.person_id]) for e in batch if e.person_id in people}
