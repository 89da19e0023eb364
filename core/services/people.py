"""People: roster import, lookup, time zones, pause and resume."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.errors import UserError
from core.models import Enrollment, Person

ROSTER_COLUMNS = ("email", "name", "timezone", "locale", "manager_email", "roles", "slack_id", "telegram_id")
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
    if z is None:
        return None
    try:
        ZoneInfo(z)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return z


def validate_timezone(name: str) -> str:
    """Return the canonical IANA zone name or raise UserError suggesting close matches."""
    z = canonical_timezone(name)
    if z is not None:
        return z
    near = suggest_timezones(name)
    hint = f"; did you mean {', '.join(near)}?" if near else "; use an IANA name such as Europe/Berlin"
    raise UserError(f"unknown time zone {name!r}{hint}")


def find_person(session: Session, handle: str) -> Person:
    """Return the person named by an email, slack:<id>, telegram:<id> or console:<id>."""
    handle = handle.strip()
    stmt = select(Person)
    if handle.startswith("slack:"):
        stmt = stmt.where(Person.slack_id == handle[6:])
    elif handle.startswith("telegram:"):
        stmt = stmt.where(Person.telegram_id == handle[9:])
    elif handle.startswith("console:") and handle[8:].isdigit():
        stmt = stmt.where(Person.id == int(handle[8:]))
    else:
        stmt = stmt.where(Person.email == handle.lower())
    person = session.scalars(stmt).first()
    if person is None:
        raise UserError(f"no person {handle!r}; give an email, slack:<id> or telegram:<id>")
    return person


def person_by_chat(session: Session, channel: str, user_id: str) -> Person | None:
    """Return the person with this chat id on `channel`, if any."""
    if channel == "slack":
        return session.scalars(select(Person).where(Person.slack_id == user_id)).first()
    if channel == "telegram":
        return session.scalars(select(Person).where(Person.telegram_id == user_id)).first()
    if channel == "console" and user_id.isdigit():
        return session.get(Person, int(user_id))
    return None


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


@dataclass
class RosterRow:
    """One validated roster line."""

    line: int
    email: str | None
    name: str
    timezone: str | None
    locale: str
    manager_email: str | None
    roles: list[str]
    slack_id: str | None
    telegram_id: str | None


@dataclass
class ImportReport:
    """What a roster import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def parse_roster(path: Path) -> list[RosterRow]:
    """Read and validate a roster CSV whole; raise UserError naming the first bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("email", "name", "timezone") if c not in header]
    if missing:
        raise UserError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {','.join(ROSTER_COLUMNS)}")
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise UserError(f"{path}:1: unknown column(s) {', '.join(unknown)}; expected {','.join(ROSTER_COLUMNS)}")
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        cell = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        rows.append(_parse_row(path, line, cell, seen))
    if not rows:
        raise UserError(f"{path}: the roster has no rows")
    emails = {r.email for r in rows if r.email}
    for r in rows:
        if r.manager_email and r.manager_email == r.email:
            raise UserError(f"{path}:{r.line}: manager_email: a person cannot manage themselves")
    del emails
    return rows


def _parse_row(path: Path, line: int, cell: dict[str, str], seen: dict[str, int]) -> RosterRow:
    def fail(col: str, msg: str) -> UserError:
        return UserError(f"{path}:{line}: {col}: {msg}")

    email = cell.get("email", "").lower() or None
    slack_id = cell.get("slack_id") or None
    telegram_id = cell.get("telegram_id") or None
    if email and not EMAIL_RE.match(email):
        raise fail("email", f"{email!r} is not an email address")
    if not email and not slack_id and not telegram_id:
        raise fail("email", "a person needs an email or a chat id (slack_id or telegram_id)")
    ident = email or f"slack:{slack_id}" if email or slack_id else f"telegram:{telegram_id}"
    if ident in seen:
        raise fail("email", f"{ident} already appears on line {seen[ident]}")
    seen[ident] = line
    tz = cell.get("timezone", "")
    if tz:
        try:
            tz = validate_timezone(tz)
        except UserError as exc:
            raise fail("timezone", str(exc)) from None
    elif not slack_id and not telegram_id:
        raise fail("timezone", "required unless the person has a slack_id or telegram_id to ask")
    roles = [r.strip().lower() for r in cell.get("roles", "").split(";") if r.strip()] or ["learner"]
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise fail("roles", f"unknown role {bad[0]!r}; use learner, manager or admin separated by ';'")
    if telegram_id and not telegram_id.lstrip("-").isdigit():
        raise fail("telegram_id", f"{telegram_id!r} is not a numeric Telegram user id")
    manager = cell.get("manager_email", "").lower() or None
    if manager and not EMAIL_RE.match(manager):
        raise fail("manager_email", f"{manager!r} is not an email address")
    return RosterRow(line, email, cell.get("name", ""), tz or None, cell.get("locale") or "en",
                     manager, roles, slack_id, telegram_id)


def import_roster(session: Session, path: Path, now: datetime) -> ImportReport:
    """Apply a roster whole: create or update people; any bad row changes nothing."""
    rows = parse_roster(path)
    report = ImportReport()
    emails = [r.email for r in rows if r.email]
    slack_ids = [r.slack_id for r in rows if r.slack_id]
    tg_ids = [r.telegram_id for r in rows if r.telegram_id]
    existing = session.scalars(
        select(Person).where(
            or_(Person.email.in_(emails), Person.slack_id.in_(slack_ids), Person.telegram_id.in_(tg_ids))
        )
    ).all()
    by_email = {p.email: p for p in existing if p.email}
    by_slack = {p.slack_id: p for p in existing if p.slack_id}
    by_tg = {p.telegram_id: p for p in existing if p.telegram_id}
    people: dict[int, Person] = {}
    for r in rows:
        p = (r.email and by_email.get(r.email)) or (r.slack_id and by_slack.get(r.slack_id)) or (
            r.telegram_id and by_tg.get(r.telegram_id)) or None
        for chat, idx, val in (("slack_id", by_slack, r.slack_id), ("telegram_id", by_tg, r.telegram_id)):
            other = idx.get(val) if val else None
            if other is not None and other is not p:
                raise UserError(f"{path}:{r.line}: {chat}: {val} already belongs to {other.handle}")
        if p is None:
            p = Person(email=r.email, created_at=now, status="active")
            session.add(p)
            report.created += 1
        else:
            before = (p.name, p.timezone, p.locale, p.roles, p.slack_id, p.telegram_id)
            after = (r.name, r.timezone or p.timezone, r.locale, ";".join(r.roles), r.slack_id or p.slack_id,
                     r.telegram_id or p.telegram_id)
            if before == after:
                report.unchanged += 1
            else:
                report.updated += 1
        if r.timezone and r.timezone != p.timezone:
            if p.id is not None:
                replan(session, p.id)
            p.timezone, p.tz_source = r.timezone, "roster"
        elif not r.timezone and p.tz_source in (None, "roster") and p.timezone is None:
            p.tz_source = "platform"
        p.name = r.name or p.name or (r.email or "")
        p.locale = r.locale
        p.roles = ";".join(r.roles)
        # An empty cell keeps a chat id learned since (Slack lookup by email, a Telegram invite).
        p.slack_id = r.slack_id or p.slack_id
        p.telegram_id = r.telegram_id or p.telegram_id
        if p.status == "left":
            p.status = "active"
        people[r.line] = p
    session.flush()
    all_by_email = {p.email: p for p in people.values() if p.email}
    for r in rows:
        p = people[r.line]
        if not r.manager_email:
            p.manager_id = None
            continue
        mgr = all_by_email.get(r.manager_email) or session.scalars(
            select(Person).where(Person.email == r.manager_email)).first()
        if mgr is None:
            raise UserError(f"{path}:{r.line}: manager_email: {r.manager_email} is not in this roster "
                            "or the database")
        p.manager_id = mgr.id
    _check_no_cycles(session, path, rows, people)
    return report


def _check_no_cycles(session: Session, path: Path, rows: list[RosterRow], people: dict[int, Person]) -> None:
    managers = {p.id: p.manager_id for p in session.scalars(select(Person))}
    for r in rows:
        seen: set[int] = set()
        cur: int | None = people[r.line].id
        while cur is not None:
            if cur in seen:
                raise UserError(f"{path}:{r.line}: manager_email: reporting lines form a loop")
            seen.add(cur)
            cur = managers.get(cur)


def reports_of(session: Session, manager_id: int) -> list[Person]:
    """Return a manager's direct reports who have not left."""
    return list(session.scalars(
        select(Person).where(Person.manager_id == manager_id, Person.status != "left").order_by(Person.name)
    ))


def mark_unreachable(session: Session, person_id: int, status: str) -> None:
    """Record that a person blocked the bot or was deactivated, so nothing more is sent."""
    person = session.get(Person, person_id)
    if person is not None and person.status != status:
        person.status = status


def platform_checks_due(session: Session, channel: str, *, force: bool = False, limit: int = 100) -> list[Person]:
    """Return people whose chat profile should be fetched: on `channel`, or with only an email to look up."""
    if channel != "slack":
        return []
    on_channel = Person.slack_id.is_not(None)
    by_email = Person.email.is_not(None) & Person.slack_id.is_(None) & Person.telegram_id.is_(None)
    stmt = select(Person).where(or_(on_channel, by_email), Person.status != "left")
    if not force:
        stmt = stmt.where(Person.platform_checked_at.is_(None))
    return list(session.scalars(stmt.order_by(Person.id).limit(limit)))


def link_chat(session: Session, person: Person, channel: str, user_id: str) -> Person | None:
    """Give `person` a chat id found on the platform; return whoever already holds it instead, if anyone."""
    holder = person_by_chat(session, channel, user_id)
    if holder is not None and holder.id != person.id:
        return holder
    if channel == "slack":
        person.slack_id = user_id
    elif channel == "telegram":
        person.telegram_id = user_id
    return None


def note_platform_check(session: Session, person_id: int, now: datetime, note: str | None) -> None:
    """Record that a chat platform was asked about a person, and what is wrong, if anything."""
    person = session.get(Person, person_id)
    if person is not None:
        person.platform_checked_at = now
        person.platform_note = note[:200] if note else None


def platform_notes(session: Session) -> list[Person]:
    """Return people with a problem noted by a chat platform check, by handle."""
    return list(session.scalars(select(Person).where(Person.platform_note.is_not(None)).order_by(Person.id)))
