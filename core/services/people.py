"""People: roster import, lookup, time zones, pause and resume."""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.calendar import WORKDAY_COLUMNS, CalendarError, workday_cells
from core.errors import UserError
from core.models import ChatAccount, Enrollment, Person

# slack_id and telegram_id stay for compatibility; any `<platform>_id` column names a chat account.
ROSTER_COLUMNS = ("email", "name", "timezone", "locale", "manager_email", "roles", "channel", "slack_id",
                  "telegram_id")
# Optional attributes for reports and audiences; an absent column leaves stored values alone.
ATTRIBUTE_COLUMNS = ("department", "location", "groups")
ACCOUNT_COLUMN = re.compile(r"^([a-z][a-z0-9]*)_id$")
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
    account = account_by_chat(session, platform, user_id, workspace)
    return None if account is None else account.person


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
    accounts: dict[str, str] = field(default_factory=dict)  # platform -> user id
    channel: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # department/location/groups given in the file

    @property
    def ident(self) -> str:
        """Return how this row names its person in messages: email, else first chat id."""
        if self.email:
            return self.email
        platform, user_id = next(iter(self.accounts.items()))
        return f"{platform}:{user_id}"


@dataclass
class ImportReport:
    """What a roster import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


IdCheck = Callable[[str], str | None]


def account_columns(header: list[str]) -> dict[str, str]:
    """Return {column: platform} for the roster's `<platform>_id` columns."""
    return {h: m.group(1) for h in header if (m := ACCOUNT_COLUMN.match(h))}


def parse_roster(path: Path, id_checks: Mapping[str, IdCheck] | None = None) -> list[RosterRow]:
    """Read and validate a roster CSV whole; raise UserError naming the first bad line.

    `id_checks` maps a platform to a function that returns what is wrong with a user id, if anything.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    expected = ",".join(ROSTER_COLUMNS)
    missing = [c for c in ("email", "name", "timezone") if c not in header]
    if missing:
        raise UserError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {expected}")
    columns = account_columns(header)
    unknown = [h for h in header if h not in ROSTER_COLUMNS and h not in ATTRIBUTE_COLUMNS and h not in columns
               and h not in WORKDAY_COLUMNS]
    if unknown:
        raise UserError(f"{path}:1: unknown column(s) {', '.join(unknown)}; expected {expected} "
                        "(and <platform>_id for other chat platforms)")
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        cell = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        rows.append(_parse_row(path, reader.line_num, cell, columns, seen, id_checks or {}))
    if not rows:
        raise UserError(f"{path}: the roster has no rows")
    for r in rows:
        if r.manager_email and r.manager_email == r.email:
            raise UserError(f"{path}:{r.line}: manager_email: a person cannot manage themselves")
    return rows


def _parse_row(path: Path, line: int, cell: dict[str, str], columns: dict[str, str], seen: dict[str, int],
               id_checks: Mapping[str, IdCheck]) -> RosterRow:
    def fail(col: str, msg: str) -> UserError:
        return UserError(f"{path}:{line}: {col}: {msg}")

    email = cell.get("email", "").lower() or None
    accounts = {platform: cell[col] for col, platform in columns.items() if cell.get(col)}
    if email and not EMAIL_RE.match(email):
        raise fail("email", f"{email!r} is not an email address")
    if not email and not accounts:
        raise fail("email", "a person needs an email or a chat id (such as slack_id or telegram_id)")
    for col, platform in columns.items():
        problem = id_checks[platform](cell[col]) if cell.get(col) and platform in id_checks else None
        if problem:
            raise fail(col, problem)
    row = RosterRow(line, email, cell.get("name", ""), None, cell.get("locale") or "en", None, [], accounts)
    if row.ident in seen:
        raise fail("email", f"{row.ident} already appears on line {seen[row.ident]}")
    seen[row.ident] = line
    for col, platform in columns.items():
        key = f"{platform}:{cell.get(col)}"
        if cell.get(col) and key != row.ident:
            if key in seen:
                raise fail(col, f"{cell[col]} already appears on line {seen[key]}")
            seen[key] = line
    tz = cell.get("timezone", "")
    if tz:
        try:
            row.timezone = validate_timezone(tz)
        except UserError as exc:
            raise fail("timezone", str(exc)) from None
    elif not accounts:
        raise fail("timezone", "required unless the person has a chat id (a <platform>_id column) to ask")
    row.roles = [r.strip().lower() for r in cell.get("roles", "").split(";") if r.strip()] or ["learner"]
    bad = [r for r in row.roles if r not in ROLES]
    if bad:
        raise fail("roles", f"unknown role {bad[0]!r}; use learner, manager or admin separated by ';'")
    row.manager_email = cell.get("manager_email", "").lower() or None
    if row.manager_email and not EMAIL_RE.match(row.manager_email):
        raise fail("manager_email", f"{row.manager_email!r} is not an email address")
    row.channel = cell.get("channel", "").lower() or None
    if row.channel and row.channel != "console" and row.channel not in columns.values():
        raise fail("channel", f"{row.channel!r} has no {row.channel}_id column in this roster")
    row.attributes = {c: cell[c] for c in ATTRIBUTE_COLUMNS if c in cell}
    if "groups" in row.attributes:
        row.attributes["groups"] = ";".join(g.strip() for g in row.attributes["groups"].split(";") if g.strip())
    try:
        row.attributes.update(workday_cells(cell))  # country, region, weekend, quiet_hours
    except CalendarError as exc:
        raise fail(exc.column, str(exc)) from None
    return row


def import_roster(session: Session, path: Path, now: datetime,
                  id_checks: Mapping[str, IdCheck] | None = None) -> ImportReport:
    """Apply a roster whole: create or update people; any bad row changes nothing."""
    rows = parse_roster(path, id_checks)
    report = ImportReport()
    by_email = {p.email: p for p in session.scalars(
        select(Person).where(Person.email.in_([r.email for r in rows if r.email])))}
    wanted = {(platform, uid) for r in rows for platform, uid in r.accounts.items()}
    held: dict[tuple[str, str], Person] = {}
    for platform in {p for p, _ in wanted}:
        ids = [uid for p, uid in wanted if p == platform]
        for a in session.scalars(select(ChatAccount).where(ChatAccount.platform == platform,
                                                           ChatAccount.user_id.in_(ids))):
            held[(a.platform, a.user_id)] = a.person
    people: dict[int, Person] = {}
    for r in rows:
        p = by_email.get(r.email) if r.email else None
        p = p or next((held[k] for k in r.accounts.items() if k in held), None)
        for platform, uid in r.accounts.items():
            other = held.get((platform, uid))
            if other is not None and other is not p:
                raise UserError(f"{path}:{r.line}: {platform}_id: {uid} already belongs to {other.handle}")
        if p is None:
            p = Person(email=r.email, created_at=now, status="active")
            session.add(p)
            report.created += 1
        elif _row_changes(p, r):
            report.updated += 1
        else:
            report.unchanged += 1
        _apply_row(session, p, r, now)
        people[r.line] = p
    session.flush()
    _link_managers(session, path, rows, people)
    _check_no_cycles(session, path, rows, people)
    return report


def _row_changes(p: Person, r: RosterRow) -> bool:
    before = (p.name, p.timezone, p.locale, p.roles, p.preferred_channel)
    after = (r.name, r.timezone or p.timezone, r.locale, ";".join(r.roles), r.channel or p.preferred_channel)
    return (before != after or any(p.account_id(platform) != uid for platform, uid in r.accounts.items())
            or any((getattr(p, c) or "") != v for c, v in r.attributes.items()))


def _apply_row(session: Session, p: Person, r: RosterRow, now: datetime) -> None:
    if r.timezone and r.timezone != p.timezone:
        if p.id is not None:
            replan(session, p.id)
        p.timezone, p.tz_source = r.timezone, "roster"
    elif not r.timezone and p.tz_source in (None, "roster") and p.timezone is None:
        p.tz_source = "platform"
    p.name = r.name or p.name or (r.email or "")
    p.locale = r.locale
    p.roles = ";".join(r.roles)
    # An empty cell keeps a chat id learned since (a lookup by email, an invite).
    for platform, uid in r.accounts.items():
        account = p.account_on(platform)
        if account is None:
            p.accounts.append(ChatAccount(platform=platform, workspace="", user_id=uid, status="active",
                                          linked_at=now))
        elif account.user_id != uid:
            account.user_id, account.linked_at = uid, now
    if r.channel:
        p.preferred_channel = r.channel
    for column, value in r.attributes.items():
        setattr(p, column, value if value or column == "groups" else None)
    if p.status == "left":
        p.status = "active"


def _link_managers(session: Session, path: Path, rows: list[RosterRow], people: dict[int, Person]) -> None:
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
