"""Applying a roster in bulk: chunked lookups and Core inserts/updates, never one query per row.

A roster of 100,000 people is read as plain tuples (no ORM objects), compared in memory and written
with a handful of chunked statements, so no statement carries more than a few thousand parameters
(PostgreSQL refuses more than 65,535) and memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.errors import UserError
from core.models import ChatAccount, Enrollment, Person
from core.services.due import mark_digests_stale
from core.services.roster import IdCheck, ImportReport, RosterRow, parse_roster

CHUNK = 500  # rows per statement: at most a few thousand parameters each
LEFT = "left"  # a person who is no longer on the roster, and their stopped enrollments
T = TypeVar("T")
PEOPLE = cast(Table, Person.__table__)
ACCOUNTS = cast(Table, ChatAccount.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
COLUMNS = ("name", "timezone", "tz_source", "locale", "roles", "preferred_channel", "status")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(slots=True)
class _Known:
    """An existing person's columns, as read (no ORM object)."""

    id: int
    email: str | None
    name: str
    timezone: str | None
    tz_source: str
    locale: str
    roles: str
    preferred_channel: str | None
    status: str
    manager_id: int | None
    department: str | None = None
    location: str | None = None
    groups: str = ""
    country: str | None = None
    region: str | None = None
    weekend: str | None = None
    quiet_hours: str | None = None


_KNOWN_COLS = (Person.id, Person.email, Person.name, Person.timezone, Person.tz_source, Person.locale, Person.roles,
               Person.preferred_channel, Person.status, Person.manager_id, Person.department, Person.location,
               Person.groups, Person.country, Person.region, Person.weekend, Person.quiet_hours)


def _load_people(session: Session, column: Any, values: Sequence[Any]) -> list[_Known]:
    out: list[_Known] = []
    for part in chunks(values):
        for row in session.execute(select(*_KNOWN_COLS).where(column.in_(part))):
            out.append(_Known(*row))
    return out


def _held_accounts(session: Session, rows: list[RosterRow]) -> dict[tuple[str, str], int]:
    """Return {(platform, user id): person id} for the chat ids the roster names."""
    by_platform: dict[str, list[str]] = {}
    for r in rows:
        for platform, uid in r.accounts.items():
            by_platform.setdefault(platform, []).append(uid)
    held: dict[tuple[str, str], int] = {}
    for platform, ids in by_platform.items():
        for part in chunks(ids):
            for uid, pid in session.execute(select(ChatAccount.user_id, ChatAccount.person_id).where(
                    ChatAccount.platform == platform, ChatAccount.user_id.in_(part))):
                held[(platform, uid)] = pid
    return held


def _accounts_of(session: Session, person_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, str]]]:
    """Return {person id: {platform: (account id, user id)}}, the newest account per platform."""
    out: dict[int, dict[str, tuple[int, str]]] = {}
    for part in chunks(person_ids):
        for aid, pid, platform, uid in session.execute(
                select(ChatAccount.id, ChatAccount.person_id, ChatAccount.platform, ChatAccount.user_id)
                .where(ChatAccount.person_id.in_(part)).order_by(ChatAccount.id)):
            out.setdefault(pid, {})[platform] = (aid, uid)
    return out


def _handle_of(session: Session, person_id: int) -> str:
    p = session.get(Person, person_id)
    return p.handle if p is not None else f"console:{person_id}"


def _resolve(session: Session, path: Path, rows: list[RosterRow]) -> dict[int, _Known | None]:
    """Return {line: existing person or None for a new one}; a chat id held by someone else is an error."""
    emails = [r.email for r in rows if r.email]
    by_email = {k.email: k for k in _load_people(session, Person.email, emails)}
    held = _held_accounts(session, rows)
    loaded = {k.id: k for k in by_email.values()}
    extra = sorted({pid for pid in held.values() if pid not in loaded})
    loaded.update((k.id, k) for k in _load_people(session, Person.id, extra))
    out: dict[int, _Known | None] = {}
    for r in rows:
        k = by_email.get(r.email) if r.email else None
        if k is None:
            pid = next((held[a] for a in r.accounts.items() if a in held), None)
            k = loaded.get(pid) if pid is not None else None
        for platform, uid in r.accounts.items():
            other = held.get((platform, uid))
            if other is not None and (k is None or other != k.id):
                raise UserError(f"{path}:{r.line}: {platform}_id: {uid} already belongs to "
                                f"{_handle_of(session, other)}")
        out[r.line] = k
    return out


def _new_values(k: _Known | None, r: RosterRow) -> dict[str, Any]:
    """Return the person's columns after applying row `r` (the rules of a single-row update)."""
    timezone, tz_source = (k.timezone, k.tz_source) if k else (None, None)
    if r.timezone and r.timezone != timezone:
        timezone, tz_source = r.timezone, "roster"
    elif not r.timezone and tz_source in (None, "roster") and timezone is None:
        tz_source = "platform"
    return {"name": r.name or (k.name if k else "") or (r.email or ""), "timezone": timezone,
            "tz_source": tz_source or "roster", "locale": r.locale, "roles": ";".join(r.roles),
            "preferred_channel": r.channel or (k.preferred_channel if k else None),
            "status": "active" if k is None or k.status == LEFT else k.status, **r.attributes}


def _counts_as_change(k: _Known, r: RosterRow, accounts: Mapping[str, tuple[int, str]]) -> bool:
    before = (k.name, k.timezone, k.locale, k.roles, k.preferred_channel)
    after = (r.name, r.timezone or k.timezone, r.locale, ";".join(r.roles), r.channel or k.preferred_channel)
    return (before != after or any(accounts.get(p, (0, None))[1] != uid for p, uid in r.accounts.items())
            or any((getattr(k, c, None) or "") != v for c, v in r.attributes.items()))


def import_roster(session: Session, path: Path, now: datetime, id_checks: Mapping[str, IdCheck] | None = None,
                  *, full: bool = False) -> ImportReport:
    """Apply a roster whole (create or update people); any bad row changes nothing.

    With `full`, the file is the complete list (an HR export): people missing from it are marked left,
    their enrollments stop and their history stays; importing them again brings them back.
    """
    rows = parse_roster(path, id_checks)
    session.flush()
    report = ImportReport(full=full)
    known = _resolve(session, path, rows)
    refs = _link_managers(session, path, rows, known, full)
    _check_no_cycles(session, path, rows, known, refs)
    accounts = _accounts_of(session, sorted({k.id for k in known.values() if k is not None}))
    ids = _insert_new(session, rows, known, refs, now, report)
    updates: dict[int, dict[str, Any]] = {}
    replan: list[int] = []
    returned: list[int] = []
    new_accounts: list[dict[str, Any]] = []
    moved_accounts: list[dict[str, Any]] = []
    for r in rows:
        k = known[r.line]
        pid = ids[r.line]
        mine = accounts.get(pid, {})
        for platform, uid in r.accounts.items():
            have = mine.get(platform)
            if have is None:
                new_accounts.append({"person_id": pid, "platform": platform, "workspace": "", "user_id": uid,
                                     "status": "active", "linked_at": now})
            elif have[1] != uid:
                moved_accounts.append({"b_id": have[0], "user_id": uid, "linked_at": now})
        if k is None:
            continue
        if _counts_as_change(k, r, mine):
            report.updated += 1
        else:
            report.unchanged += 1
        values = _new_values(k, r)
        if values["timezone"] != k.timezone:
            replan.append(pid)
        if k.status == LEFT:
            returned.append(pid)
        if any(getattr(k, c, None) != values[c] for c in (*COLUMNS, *r.attributes)):
            updates[pid] = values
    report.returned = len(returned)
    managers = {ids[r.line]: _manager_id(refs[r.line], ids) for r in rows}
    stale = _write(session, known, updates, managers, new_accounts, moved_accounts)
    _replan(session, replan)
    _set_enrollments(session, returned, LEFT, "active")
    stale.update(replan)
    if full:
        report.left = _mark_left(session, set(ids.values()))
    mark_digests_stale(session, sorted(stale))
    session.expire_all()
    return report


Ref = int | None  # a person id, or -line for a row not inserted yet


def _node(r: RosterRow, known: dict[int, _Known | None]) -> int:
    k = known[r.line]
    return k.id if k is not None else -r.line


def _manager_id(ref: Ref, ids: dict[int, int]) -> int | None:
    return None if ref is None else ids[-ref] if ref < 0 else ref


def _insert_new(session: Session, rows: list[RosterRow], known: dict[int, _Known | None], refs: dict[int, Ref],
                now: datetime, report: ImportReport) -> dict[int, int]:
    """Insert the people the database does not know yet; return {line: person id} for every row.

    Managers go in before their reports (in waves), so each new person is written once, manager
    included. People with an email are inserted with multi-row statements and their ids read back
    by email; the rare one known only by a chat id is inserted alone with RETURNING.
    """
    ids = {r.line: k.id for r in rows if (k := known[r.line]) is not None}
    waiting = [r for r in rows if known[r.line] is None]
    report.created = len(waiting)
    while waiting:
        ready = [r for r in waiting if (ref := refs[r.line]) is None or ref > 0 or -ref in ids]
        assert ready, "reporting lines were checked for loops"
        _insert_people(session, ready, ids, refs, now)
        waiting = [r for r in waiting if r.line not in ids]
    return ids


def _insert_people(session: Session, rows: list[RosterRow], ids: dict[int, int], refs: dict[int, Ref],
                   now: datetime) -> None:
    def values(r: RosterRow) -> dict[str, Any]:
        return {"email": r.email, "created_at": now, "manager_id": _manager_id(refs[r.line], ids),
                **_new_values(None, r)}

    with_email = [r for r in rows if r.email]
    for part in chunks(with_email, 400):  # about a dozen columns a row: some 5,000 parameters
        # RETURNING names each row by its email, so the ids need no second lookup (one that would walk a
        # table growing within the transaction, its statistics stale on PostgreSQL).
        got: dict[str, int] = dict(session.execute(insert(PEOPLE).returning(PEOPLE.c.email, PEOPLE.c.id),
                                   [values(r) for r in part]).all())
        ids.update((r.line, got[r.email or ""]) for r in part)
    for r in rows:
        if not r.email:
            ids[r.line] = session.execute(insert(PEOPLE).returning(PEOPLE.c.id), values(r)).scalar_one()


def _link_managers(session: Session, path: Path, rows: list[RosterRow], known: dict[int, _Known | None],
                   full: bool) -> dict[int, Ref]:
    """Return {line: manager reference} for every row; a manager must be in the file or the database."""
    in_file = {r.email: _node(r, known) for r in rows if r.email}
    outside = sorted({r.manager_email for r in rows if r.manager_email and r.manager_email not in in_file})
    found = {k.email: k.id for k in _load_people(session, Person.email, outside)}
    out: dict[int, Ref] = {}
    for r in rows:
        mgr: Ref = None
        if r.manager_email:
            mgr = in_file.get(r.manager_email)
            if mgr is None and full:
                raise UserError(f"{path}:{r.line}: manager_email: {r.manager_email} is not in this roster, and a "
                                "--full import marks everyone missing from it as left")
            mgr = mgr or found.get(r.manager_email)
            if mgr is None:
                raise UserError(f"{path}:{r.line}: manager_email: {r.manager_email} is not in this roster "
                                "or the database")
        out[r.line] = mgr
    return out


def _check_no_cycles(session: Session, path: Path, rows: list[RosterRow], known: dict[int, _Known | None],
                     refs: dict[int, Ref]) -> None:
    """Refuse reporting lines that loop, walking each chain once (linear in the number of people)."""
    graph: dict[int, int | None] = dict(session.execute(
        select(Person.id, Person.manager_id).where(Person.manager_id.is_not(None))).all())
    graph.update((_node(r, known), refs[r.line]) for r in rows)
    safe: set[int] = set()
    for r in rows:
        path_ids: list[int] = []
        on_path: set[int] = set()
        cur: int | None = _node(r, known)
        while cur is not None and cur not in safe:
            if cur in on_path:
                raise UserError(f"{path}:{r.line}: manager_email: reporting lines form a loop")
            on_path.add(cur)
            path_ids.append(cur)
            cur = graph.get(cur)
        safe.update(path_ids)


def _write(session: Session, known: dict[int, _Known | None], updates: dict[int, dict[str, Any]],
           managers: dict[int, int | None], new_accounts: list[dict[str, Any]],
           moved_accounts: list[dict[str, Any]]) -> set[int]:
    """Write changed people and accounts in chunked executemany statements; return managers to re-plan."""
    old = {k.id: k.manager_id for k in known.values() if k is not None}
    stale: set[int] = set()
    for pid, mgr in managers.items():
        if pid not in old:  # inserted with their manager already
            stale.update([mgr] if mgr is not None else [])
            continue
        before = old[pid]
        if mgr != before:
            stale.update(m for m in (mgr, before) if m is not None)
            updates.setdefault(pid, {})["manager_id"] = mgr
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for pid, values in updates.items():
        by_shape.setdefault(tuple(sorted(values)), []).append({"b_id": pid, **values})
    for shape, params in by_shape.items():
        stmt = update(PEOPLE).where(PEOPLE.c.id == bindparam("b_id")).values({c: bindparam(c) for c in shape})
        for part in chunks(params, 1000):
            session.execute(stmt, list(part))
    for part in chunks(new_accounts):
        session.execute(insert(ACCOUNTS), list(part))
    move = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("b_id")).values(
        user_id=bindparam("user_id"), linked_at=bindparam("linked_at"))
    for part in chunks(moved_accounts, 1000):
        session.execute(move, list(part))
    return stale


def _replan(session: Session, person_ids: Sequence[int]) -> None:
    """Mark these people's active enrollments for re-planning (a changed time zone)."""
    for part in chunks(person_ids, 1000):
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.person_id.in_(part),
                                                  ENROLLMENTS.c.status == "active").values(next_due_at=None))


def _set_enrollments(session: Session, person_ids: Sequence[int], old: str, new: str) -> None:
    for part in chunks(person_ids, 1000):
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.person_id.in_(part), ENROLLMENTS.c.status == old)
                        .values(status=new, next_due_at=None))


def _mark_left(session: Session, in_file: Iterable[int]) -> int:
    """Mark everyone not in the file left and stop their enrollments; return how many."""
    keep = set(in_file)
    gone = [pid for pid in session.scalars(select(Person.id).where(Person.status != LEFT)) if pid not in keep]
    for part in chunks(gone, 1000):
        session.execute(update(PEOPLE).where(PEOPLE.c.id.in_(part)).values(status=LEFT))
    _set_enrollments(session, gone, "active", LEFT)
    return len(gone)
