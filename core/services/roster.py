"""Reading a roster CSV: every line validated before anything is written; errors name file, line and column."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.calendar import WORKDAY_COLUMNS, CalendarError, workday_cells
from core.errors import UserError
from core.services.people import ACCOUNT_COLUMN, ATTRIBUTE_COLUMNS, EMAIL_RE, ROLES, ROSTER_COLUMNS, validate_timezone

IdCheck = Callable[[str], str | None]


@dataclass(slots=True)
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
    left: int = 0  # marked left by a --full import (missing from the file)
    returned: int = 0  # had left and are in the file again
    full: bool = False
    notes: list[str] = field(default_factory=list)


def account_columns(header: list[str]) -> dict[str, str]:
    """Return {column: platform} for the roster's `<platform>_id` columns."""
    return {h: m.group(1) for h in header if (m := ACCOUNT_COLUMN.match(h))}


def _not_utf8(path: Path) -> UserError:
    """Return the error for a roster that is not UTF-8, naming the line of the first bad byte."""
    data = path.read_bytes()  # only on this failure path: the whole file, to find the line
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return UserError(f"{path}:{line}: the roster is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                         "save it as CSV UTF-8 and import it again")
    return UserError(f"{path}: the roster is not UTF-8 text; save it as CSV UTF-8 and import it again")


def read_roster(path: Path, id_checks: Mapping[str, IdCheck] | None = None, *,
                checked: bool = False) -> Iterator[RosterRow]:
    """Yield a roster CSV's rows, each validated as it is read; raise UserError naming the first bad line.

    The file is read line by line, so memory holds one row and, for the duplicate check, one entry per
    email and chat id. `checked` skips that check for a second pass over a file already read whole.
    `id_checks` maps a platform to a function that returns what is wrong with a user id, if anything.
    """
    try:
        f = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    with f:
        try:
            yield from _rows(path, csv.DictReader(f), id_checks or {}, None if checked else {})
        except UnicodeDecodeError:
            raise _not_utf8(path) from None


def _rows(path: Path, reader: csv.DictReader[str], id_checks: Mapping[str, IdCheck],
          seen: dict[str, int] | None) -> Iterator[RosterRow]:
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
    empty = True
    try:
        for raw in reader:
            extra = raw.get(None)
            if extra:
                raise UserError(f"{path}:{reader.line_num}: this line has {len(header) + len(extra)} fields but the "
                                f"header has {len(header)}; quote values that contain commas")
            cell = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            empty = False
            yield _parse_row(path, reader.line_num, cell, columns, seen, id_checks)
    except csv.Error as exc:
        raise UserError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    if empty:
        raise UserError(f"{path}: the roster has no rows")


def _parse_row(path: Path, line: int, cell: dict[str, str], columns: dict[str, str], seen: dict[str, int] | None,
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
    if seen is not None:
        _check_unique(row, cell, columns, seen, fail)
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
    if row.manager_email and row.manager_email == row.email:
        raise fail("manager_email", "a person cannot manage themselves")
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


def _check_unique(row: RosterRow, cell: dict[str, str], columns: dict[str, str], seen: dict[str, int],
                  fail: Callable[[str, str], UserError]) -> None:
    """Refuse a person or chat id that an earlier line already named."""
    if row.ident in seen:
        raise fail("email", f"{row.ident} already appears on line {seen[row.ident]}")
    seen[row.ident] = row.line
    for col, platform in columns.items():
        key = f"{platform}:{cell.get(col)}"
        if cell.get(col) and key != row.ident:
            if key in seen:
                raise fail(col, f"{cell[col]} already appears on line {seen[key]}")
            seen[key] = row.line
