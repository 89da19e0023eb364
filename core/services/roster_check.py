"""Pass one of a roster import: read the whole file and check it against the database, writing nothing.

The file is read line by line and every row validated; a chunk of rows at a time, the database is asked
who it already knows and whose chat ids are taken; then every reporting line is checked (loops
included). What it keeps is one entry per person (their key and id), never the rows themselves.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bulk import batched
from core.errors import UserError
from core.models import ChatAccount, Person
from core.services.roster import IdCheck, RosterRow, read_roster

CHUNK = 2000  # rows read, looked up and written together: at most a few thousand parameters a statement
LEFT = "left"  # a person who is no longer on the roster, and their stopped enrollments


@dataclass(slots=True)
class Known:
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


@dataclass
class Checked:
    """What pass one learned: every row's person, and the managers named from outside the file."""

    # A row's key (see key_of) -> the person's id, or -line for someone not in the database yet.
    nodes: dict[str, int]
    outside: dict[str, int]  # manager email not in the file -> their id


def key_of(r: RosterRow) -> str:
    """Return the key naming a row's person: its email, else ' platform:user id' (never an email)."""
    return r.email or f" {r.ident}"


def chunked(rows: Iterable[RosterRow], size: int = CHUNK) -> Iterator[list[RosterRow]]:
    """Yield lists of at most `size` rows as they are read."""
    it = iter(rows)
    while part := list(islice(it, size)):
        yield part


def load_people(session: Session, column: Any, values: Sequence[Any]) -> list[Known]:
    """Return the people whose `column` is one of `values`, as plain rows."""
    out: list[Known] = []
    for part in batched(values, CHUNK):
        out += [Known(*row) for row in session.execute(select(*_KNOWN_COLS).where(column.in_(part)))]
    return out


def check_roster(session: Session, path: Path, id_checks: Mapping[str, IdCheck] | None, full: bool) -> Checked:
    """Read and check the whole roster against the database; raise UserError naming the first bad line."""
    nodes: dict[str, int] = {}
    order, lines = array("q"), array("q")  # every row's person in file order, for the loop check
    graph: dict[int, int | None] = {}  # person -> manager, as the file has it
    forward: list[tuple[int, str, int]] = []  # (person, manager email, line) for a manager not read yet
    taken: UserError | None = None
    for part in chunked(read_roster(path, id_checks)):
        known, problem = _resolve(session, path, part)
        taken = taken or problem
        for r in part:
            k = known[r.line]
            node = k.id if k is not None else -r.line
            nodes[key_of(r)] = node
            order.append(node)
            lines.append(r.line)
            mgr = nodes.get(r.manager_email) if r.manager_email else None
            if r.manager_email and mgr is None:
                forward.append((node, r.manager_email, r.line))
            graph[node] = mgr
    if taken is not None:  # after every line was read: a malformed line anywhere is reported first
        raise taken
    outside = _managers_outside(session, path, forward, nodes, graph, full)
    _check_no_cycles(session, path, graph, order, lines)
    return Checked(nodes, outside)


def _held_accounts(session: Session, rows: list[RosterRow]) -> dict[tuple[str, str], int]:
    """Return {(platform, user id): person id} for the chat ids these rows name."""
    by_platform: dict[str, list[str]] = {}
    for r in rows:
        for platform, uid in r.accounts.items():
            by_platform.setdefault(platform, []).append(uid)
    held: dict[tuple[str, str], int] = {}
    for platform, ids in by_platform.items():
        for part in batched(ids, CHUNK):
            for uid, pid in session.execute(select(ChatAccount.user_id, ChatAccount.person_id).where(
                    ChatAccount.platform == platform, ChatAccount.user_id.in_(part))):
                held[(platform, uid)] = pid
    return held


def _handle_of(session: Session, person_id: int) -> str:
    p = session.get(Person, person_id)
    return p.handle if p is not None else f"console:{person_id}"


def _resolve(session: Session, path: Path, rows: list[RosterRow]) -> tuple[dict[int, Known | None], UserError | None]:
    """Return {line: existing person or None for a new one}, and the first chat id held by someone else."""
    by_email = {k.email: k for k in load_people(session, Person.email, [r.email for r in rows if r.email])}
    held = _held_accounts(session, rows)
    loaded = {k.id: k for k in by_email.values()}
    extra = sorted({pid for pid in held.values() if pid not in loaded})
    loaded.update((k.id, k) for k in load_people(session, Person.id, extra))
    out: dict[int, Known | None] = {}
    problem: UserError | None = None
    for r in rows:
        k = by_email.get(r.email) if r.email else None
        if k is None:
            pid = next((held[a] for a in r.accounts.items() if a in held), None)
            k = loaded.get(pid) if pid is not None else None
        for platform, uid in r.accounts.items():
            other = held.get((platform, uid))
            if other is not None and (k is None or other != k.id) and problem is None:
                problem = UserError(f"{path}:{r.line}: {platform}_id: {uid} already belongs to "
                                    f"{_handle_of(session, other)}")
        out[r.line] = k
    return out, problem


def _managers_outside(session: Session, path: Path, forward: list[tuple[int, str, int]], nodes: dict[str, int],
                      graph: dict[int, int | None], full: bool) -> dict[str, int]:
    """Link the managers named before their own line, or not in the file; return {email: id} of the latter.

    A manager must be in the file or the database; everyone outside is looked up in chunks at once.
    """
    missing = sorted({email for _, email, _ in forward if email not in nodes})
    found = {k.email or "": k.id for k in load_people(session, Person.email, missing)}
    for node, email, line in forward:
        mgr = nodes.get(email)
        if mgr is None and full:
            raise UserError(f"{path}:{line}: manager_email: {email} is not in this roster, and a "
                            "--full import marks everyone missing from it as left")
        mgr = mgr or found.get(email)
        if mgr is None:
            raise UserError(f"{path}:{line}: manager_email: {email} is not in this roster or the database")
        graph[node] = mgr
    return found


def _check_no_cycles(session: Session, path: Path, graph: dict[int, int | None], order: array[int],
                     lines: array[int]) -> None:
    """Refuse reporting lines that loop, walking each chain once (linear in the number of people)."""
    for pid, mid in session.execute(select(Person.id, Person.manager_id).where(Person.manager_id.is_not(None))):
        graph.setdefault(pid, mid)  # the file's line wins over the stored one
    safe: set[int] = set()
    for start, line in zip(order, lines, strict=True):
        path_ids: list[int] = []
        on_path: set[int] = set()
        cur: int | None = start
        while cur is not None and cur not in safe:
            if cur in on_path:
                raise UserError(f"{path}:{line}: manager_email: reporting lines form a loop")
            on_path.add(cur)
            path_ids.append(cur)
            cur = graph.get(cur)
        safe.update(path_ids)
