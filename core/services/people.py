"""People: roster import, lookup, time zones, pause and resume."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.errors import UserError
from core.models import ChatAccount, Enrollment, Person

if TYPE_CHECKING:
    from core.services.roster import ImportReport

# slack_id and telegram_id stay for compatibility; any `<platform>_id` column names a chat account.
ROSTER_COLUMNS = ("email", "name", "timezone", "locale", "manager_email", "roles", "channel", "slack_id",
                  "telegram_id")
ACCOUNT_COLUMN = re.compile(r"^([a-z][a-z0-9]*)_id$")
# Optional attributes for reports and audiences; an absent column leaves stored values alone.
ATTRIBUTE_COLUMNS = ("department", "location", "groups")
ROLES = {"learner", "manager", "admin"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def suggest_timezones(name: str, n: int = 3) -> list[str]:
    """Return up to `n` IANA zone names close to `name` (also matching a city alone)."""
    zones = _zones()
    key = name.strip().lower().replace(" ", "_")
    by_city = {z.rsplit("/", 1)[-1]: z for z in zones}
    hits = difflib.get_close_matches(key, list(zones), n=n, cutoff=0.6)
    hits += [by_city[c] for c in difflib.get_close_matches(key, list(by_city), n=n, cutoff=0.7)]
    out: list[str] = []
    for h in hits:
        if zones[h] not in out:
            out.append(zones[h])
    return out[:n]


def canonical_timezone(name: str) -> str | None:
    """Return the IANA spelling of `name` if it names a zone (any case), else None."""
    z = _zones().get(name.strip().lower())
    return None if z is None or _loaded_zone(z) is None else z


@cache
def _loaded_zone(name: str) -> ZoneInfo | None:
    # Holding the zone keeps it in ZoneInfo's own cache too, so a 100,000-line roster over 40 zones
    # (and the planner after it) reads each zone file once instead of once per line.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def validate_timezone(name: str) -> str:
    """Return the canonical IANA zone name or raise UserError suggesting close matches."""
    z = canonical_timezone(name)
    if z is not None:
        return z
    near = suggest_timezones(name)
    hint = f"; did you mean {', '.join(near)}?" if near else "; use an IANA name such as Europe/Berlin"
    raise UserError(f"unknown time zone {name!r}{hint}")


def find_person(session: Session, handle: str) -> Person:
    """Return the person named by an email, `<platform>:<user id>` or console:<id>."""
    handle = handle.strip()
    platform, sep, user_id = handle.partition(":")
    person: Person | None
    if sep and platform == "console" and user_id.isdigit():
        person = session.get(Person, int(user_id))
    elif sep and "@" not in platform:
        person = person_by_chat(session, platform, user_id)
    else:
        person = session.scalars(select(Person).where(Person.email == handle.lower())).first()
    if person is None:
        raise UserError(f"no person {handle!r}; give an email or <platform>:<user id>")
    return person


def account_by_chat(session: Session, platform: str, user_id: str, workspace: str = "") -> ChatAccount | None:
    """Return the chat account for this user on `platform` (in `workspace`, or one with none recorded)."""
    stmt = select(ChatAccount).where(ChatAccount.platform == platform, ChatAccount.user_id == user_id)
    if workspace:
        stmt = stmt.where(ChatAccount.workspace.in_(("", workspace)))
    return session.scalars(stmt.order_by(ChatAccount.id)).first()


def person_by_chat(session: Session, platform: str, user_id: str, workspace: str = "") -> Person | None:
    """Return the person with this user id on `platform`, if any (console ids are person ids)."""
    if platform == "console":
        return session.get(Person, int(user_id)) if user_id.isdigit() else None
    # The person with their accounts (every reply needs the address) in two queries, not three.
    stmt = (select(Person).join(ChatAccount, ChatAccount.person_id == Person.id)
            .where(ChatAccount.platform == platform, ChatAccount.user_id == user_id))
    if workspace:
        stmt = stmt.where(ChatAccount.workspace.in_(("", workspace)))
    return session.scalars(stmt.order_by(ChatAccount.id).limit(1)).first()


def link_account(session: Session, person: Person, platform: str, user_id: str, now: datetime,
                 workspace: str = "") -> Person | None:
    """Give `person` an account on `platform`; return whoever already holds that id instead, if anyone."""
    held = account_by_chat(session, platform, user_id, workspace)
    if held is not None:
        if held.person_id != person.id:
            return held.person
        held.status = "active"
        return None
    person.accounts.append(ChatAccount(platform=platform, workspace=workspace, user_id=user_id, status="active",
                                       linked_at=now))
    return None


def set_channel(person: Person, platform: str) -> bool:
    """Make `platform` the person's preferred channel; False when they have no account there."""
    if person.account_on(platform) is None:
        return False
    person.preferred_channel = platform
    return True


def replan(session: Session, person_id: int) -> None:
    """Mark a person's active enrollments for re-planning from the next tick on."""
    session.execute(
        update(Enrollment)
        .where(Enrollment.person_id == person_id, Enrollment.status == "active")
        .values(next_due_at=None)
    )


def set_timezone(session: Session, person: Person, zone: str, source: str) -> str:
    """Set a person's zone (validated); it takes effect from their next due instant."""
    canonical = validate_timezone(zone)
    if person.timezone != canonical:
        person.timezone = canonical
        replan(session, person.id)
    person.tz_source = source
    return canonical


def pause(session: Session, person: Person, until: date | None) -> None:
    """Pause all nudges for a person, optionally until a date (inclusive)."""
    person.status = "paused"
    person.paused_until = until


def resume(session: Session, person: Person) -> None:
    """Resume a paused person; what fell due while paused is not sent."""
    if person.status == "paused":
        person.status = "active"
        person.paused_until = None
        replan(session, person.id)


def is_reachable(person: Person, today: date) -> bool:
    """Return True when nudges may go to this person on local date `today`."""
    if person.status == "paused":
        return person.paused_until is not None and today > person.paused_until
    return person.status == "active"


def import_roster(session: Session, path: Path, now: datetime,
                  id_checks: Mapping[str, Callable[[str], str | None]] | None = None, *,
                  full: bool = False) -> ImportReport:
    """Apply a roster whole in bulk (see core.services.roster_import); any bad row changes nothing."""
    from core.services.roster_import import import_roster as bulk_import

    return bulk_import(session, path, now, id_checks, full=full)


def ids_by_email(session: Session, emails: Sequence[str]) -> list[int]:
    """Return the ids of the people with `emails`, in the same order (every email must be known)."""
    found: dict[str, int] = {}
    for i in range(0, len(emails), 500):
        rows = session.execute(select(Person.email, Person.id).where(Person.email.in_(emails[i : i + 500])))
        found.update((str(email), int(pid)) for email, pid in rows)
    return [found[e] for e in emails]


def reports_of(session: Session, manager_id: int) -> list[Person]:
    """Return a manager's direct reports who have not left."""
    return list(session.scalars(
        select(Person).where(Person.manager_id == manager_id, Person.status != "left").order_by(Person.name)
    ))


def mark_unreachable(session: Session, person: Person, platform: str, user_id: str, status: str) -> None:
    """Record that an account blocked the bot or was deactivated; the person stops only with no other account."""
    account = account_by_chat(session, platform, user_id)
    if account is not None:
        account.status = status
    if person.account is None or person.account.status != "active":
        if person.status != status:
            person.status = status


def mark_reachable(session: Session, person: Person, platform: str, user_id: str) -> bool:
    """Record that an account can be reached again; return True if the person was unreachable before."""
    account = account_by_chat(session, platform, user_id)
    if account is not None:
        account.status = "active"
    if person.status in ("blocked", "deactivated"):
        person.status = "active"
        replan(session, person.id)
        return True
    return False


def people_to_check(session: Session, platform: str, *, by_email: bool, force: bool = False,
                    limit: int = 100) -> list[Person]:
    """Return people whose `platform` profile should be fetched: with an account there, or (by_email) none at all."""
    on_platform = Person.id.in_(select(ChatAccount.person_id).where(ChatAccount.platform == platform))
    cond: ColumnElement[bool] = on_platform
    if by_email:
        cond = or_(on_platform, Person.email.is_not(None) & ~Person.accounts.any())
    stmt = select(Person).where(cond, Person.status != "left")
    if not force:
        stmt = stmt.where(Person.platform_checked_at.is_(None))
    return list(session.scalars(stmt.order_by(Person.id).limit(limit)))


def note_platform_check(session: Session, person_id: int, now: datetime, note: str | None) -> None:
    """Record that a chat platform was asked about a person, and what is wrong, if anything."""
    person = session.get(Person, person_id)
    if person is not None:
        person.platform_checked_at = now
        person.platform_note = note[:200] if note else None


def platform_notes(session: Session) -> list[Person]:
    """Return people with a problem noted by a chat platform check, by handle."""
    return list(session.scalars(select(Person).where(Person.platform_note.is_not(None)).order_by(Person.id)))
