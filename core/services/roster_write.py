"""Pass two of a roster import: read the checked file again and write it, a chunk of rows at a time.

Each chunk costs a handful of statements: its known people and their chat accounts read by id, the new
people inserted (COPY on PostgreSQL, ids taken from the sequence first), the changed ones updated with
executemany. Nothing is kept from one chunk to the next but new people's ids and the managers whose
digests must be planned again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from core.bulk import batched, insert_returning_ids, insert_rows
from core.models import ChatAccount, Enrollment, Person
from core.services.due import mark_digests_stale
from core.services.roster import IdCheck, ImportReport, RosterRow, read_roster
from core.services.roster_check import CHUNK, LEFT, Checked, Known, chunked, key_of, load_people

PEOPLE = cast(Table, Person.__table__)
ACCOUNTS = cast(Table, ChatAccount.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
COLUMNS = ("name", "timezone", "tz_source", "locale", "roles", "preferred_channel", "status")


@dataclass
class _Run:
    """What pass two carries from chunk to chunk."""

    checked: Checked
    now: datetime
    report: ImportReport
    stale: set[int] = field(default_factory=set)  # managers whose next digest must be planned again
    late: list[tuple[int, str]] = field(default_factory=list)  # (person, manager email) for a manager not in yet
    in_file: set[int] | None = None  # with --full: everyone the file names

    def manager_of(self, r: RosterRow) -> int | None:
        """Return the id of the row's manager, or None (also for a manager not inserted yet: see `late`)."""
        if not r.manager_email:
            return None
        node = self.checked.nodes.get(r.manager_email)
        if node is None:
            return self.checked.outside[r.manager_email]
        return node if node > 0 else None


def write_roster(session: Session, path: Path, id_checks: Mapping[str, IdCheck] | None, checked: Checked,
                 now: datetime, full: bool) -> ImportReport:
    """Write a roster that check_roster accepted; return what changed."""
    run = _Run(checked, now, ImportReport(full=full), in_file=set() if full else None)
    for part in chunked(read_roster(path, id_checks, checked=True)):
        _write_chunk(session, part, run)
    _link_late_managers(session, run)
    if run.in_file is not None:
        run.report.left = _mark_left(session, run.in_file)
    mark_digests_stale(session, sorted(run.stale))
    return run.report


def _write_chunk(session: Session, rows: list[RosterRow], run: _Run) -> None:
    nodes = run.checked.nodes
    old = [node for node in (nodes[key_of(r)] for r in rows) if node > 0]
    known = {k.id: k for k in load_people(session, Person.id, old)}
    accounts = _accounts_of(session, sorted(known))
    _insert_new(session, [r for r in rows if nodes[key_of(r)] < 0], run)
    updates: dict[int, dict[str, Any]] = {}
    replan: list[int] = []
    returned: list[int] = []
    new_accounts: list[dict[str, Any]] = []
    moved_accounts: list[dict[str, Any]] = []
    for r in rows:
        pid = nodes[key_of(r)]
        if run.in_file is not None:
            run.in_file.add(pid)
        mine = accounts.get(pid, {})
        for platform, uid in r.accounts.items():
            have = mine.get(platform)
            if have is None:
                new_accounts.append({"person_id": pid, "platform": platform, "workspace": "", "user_id": uid,
                                     "status": "active", "linked_at": run.now})
            elif have[1] != uid:
                moved_accounts.append({"b_id": have[0], "user_id": uid, "linked_at": run.now})
        k = known.get(pid)
        if k is None:
            continue
        if _counts_as_change(k, r, mine):
            run.report.updated += 1
        else:
            run.report.unchanged += 1
        values = _new_values(k, r)
        if values["timezone"] != k.timezone:
            replan.append(pid)
        if k.status == LEFT:
            returned.append(pid)
        if any(getattr(k, c, None) != values[c] for c in (*COLUMNS, *r.attributes)):
            updates[pid] = values
        _move_manager(k, r, run, updates)
    run.report.returned += len(returned)
    _write(session, updates, new_accounts, moved_accounts)
    _replan(session, replan)
    _set_enrollments(session, returned, LEFT, "active")
    run.stale.update(replan)



def _insert_new(session: Session, rows: list[RosterRow], run: _Run) -> None:
    """Insert the chunk's new people, each with their manager when that one is already in."""
    values = [{"email": r.email, "created_at": run.now, "manager_id": run.manager_of(r), **_new_values(None, r)}
              for r in rows]
    ids = insert_returning_ids(session, PEOPLE, values, "email")
    for r, v, pid in zip(rows, values, ids, strict=True):
        run.checked.nodes[key_of(r)] = pid
        if v["manager_id"] is not None:
            run.stale.add(v["manager_id"])
        elif r.manager_email:  # their manager is new too, and later in the file or in this same chunk
            run.late.append((pid, r.manager_email))
    run.report.created += len(rows)


def _move_manager(k: Known, r: RosterRow, run: _Run, updates: dict[int, dict[str, Any]]) -> None:
    """Give an existing person the row's manager; both managers' digests change."""
    mgr = run.manager_of(r)
    if r.manager_email and mgr is None:  # a new manager, inserted with a later chunk
        run.late.append((k.id, r.manager_email))
        run.stale.update([k.manager_id] if k.manager_id is not None else [])
        return
    if mgr != k.manager_id:
        run.stale.update(m for m in (mgr, k.manager_id) if m is not None)
        updates.setdefault(k.id, {})["manager_id"] = mgr


def _link_late_managers(session: Session, run: _Run) -> None:
    """Set the manager of people whose manager was inserted after them."""
    params = [{"b_id": pid, "manager_id": run.checked.nodes[email]} for pid, email in run.late]
    run.stale.update(p["manager_id"] for p in params)
    stmt = update(PEOPLE).where(PEOPLE.c.id == bindparam("b_id")).values(manager_id=bindparam("manager_id"))
    for part in batched(params, 1000):
        session.execute(stmt, list(part))


def _accounts_of(session: Session, person_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, str]]]:
    """Return {person id: {platform: (account id, user id)}}, the newest account per platform."""
    out: dict[int, dict[str, tuple[int, str]]] = {}
    for part in batched(person_ids, CHUNK):
        for aid, pid, platform, uid in session.execute(
                select(ChatAccount.id, ChatAccount.person_id, ChatAccount.platform, ChatAccount.user_id)
                .where(ChatAccount.person_id.in_(part)).order_by(ChatAccount.id)):
            out.setdefault(pid, {})[platform] = (aid, uid)
    return out


def _new_values(k: Known | None, r: RosterRow) -> dict[str, Any]:
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


def _counts_as_change(k: Known, r: RosterRow, accounts: Mapping[str, tuple[int, str]]) -> bool:
    before = (k.name, k.timezone, k.locale, k.roles, k.preferred_channel)
    after = (r.name, r.timezone or k.timezone, r.locale, ";".join(r.roles), r.channel or k.preferred_channel)
    return (before != after or any(accounts.get(p, (0, None))[1] != uid for p, uid in r.accounts.items())
            or any((getattr(k, c, None) or "") != v for c, v in r.attributes.items()))


def _write(session: Session, updates: dict[int, dict[str, Any]], new_accounts: list[dict[str, Any]],
           moved_accounts: list[dict[str, Any]]) -> None:
    """Write a chunk's changed people and accounts with executemany statements (accounts by COPY on PostgreSQL)."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for pid, values in updates.items():
        by_shape.setdefault(tuple(sorted(values)), []).append({"b_id": pid, **values})
    for shape, params in by_shape.items():
        stmt = update(PEOPLE).where(PEOPLE.c.id == bindparam("b_id")).values({c: bindparam(c) for c in shape})
        for part in batched(params, 1000):
            session.execute(stmt, list(part))
    insert_rows(session, ACCOUNTS, new_accounts)
    move = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("b_id")).values(
        user_id=bindparam("user_id"), linked_at=bindparam("linked_at"))
    for part in batched(moved_accounts, 1000):
        session.execute(move, list(part))


def _replan(session: Session, person_ids: Sequence[int]) -> None:
    """Mark these people's active enrollments for re-planning (a changed time zone)."""
    for part in batched(person_ids, 1000):
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.person_id.in_(part),
                                                  ENROLLMENTS.c.status == "active").values(next_due_at=None))


def _set_enrollments(session: Session, person_ids: Sequence[int], old: str, new: str) -> None:
    for part in batched(person_ids, 1000):
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.person_id.in_(part), ENROLLMENTS.c.status == old)
                        .values(status=new, next_due_at=None))


def _mark_left(session: Session, in_file: Iterable[int]) -> int:
    """Mark everyone not in the file left and stop their enrollments; return how many."""
    keep = set(in_file)
    gone = [pid for pid in session.scalars(select(Person.id).where(Person.status != LEFT)) if pid not in keep]
    for part in batched(gone, 1000):
        session.execute(update(PEOPLE).where(PEOPLE.c.id.in_(part)).values(status=LEFT))
    _set_enrollments(session, gone, "active", LEFT)
    return len(gone)
