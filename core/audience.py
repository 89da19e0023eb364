"""Resolve a campaign audience (roster attributes, a manager's tree, chat platform groups, `except:`) to people.

Each selector key given narrows the audience (Sales *and* Berlin); the values listed under one key
are alternatives (Sales *or* Support). Unless the audience names `roles` or `emails`, only people
with the `learner` role are included, as `all: true` always did. People who left or were forgotten
are never included.

People are read as plain rows a partition at a time, never as ORM objects: only the selectors that name
people (emails, managers, chat groups) are looked up first, as sets of ids, so resolving an audience of
100,000 holds ids, not people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaign import GROUP_SELECTORS, Audience, AudienceFilter
from core.bulk import batched
from core.errors import UserError
from core.models import ChatAccount, Person

__all__ = ["ChatGroups", "audience_ids", "groups_to_fetch", "resolve_audience"]

# platform -> group name or id -> the platform user ids in it, fetched by the caller (core makes no calls).
ChatGroups = Mapping[str, Mapping[str, Sequence[str]]]
CHUNK = 2000  # ids or emails per IN (...)
CURRENT = Person.status.not_in(("left", "forgotten"))


def groups_to_fetch(audience: Audience) -> dict[str, list[str]]:
    """Return, by platform, every chat group the audience (or its `except:`) names, for the caller to fetch."""
    out = audience.chat_groups()
    if audience.except_ is not None:
        for platform, names in audience.except_.chat_groups().items():
            mine = out.setdefault(platform, [])
            mine += [g for g in names if g not in mine]
    return out


def audience_ids(session: Session, audience: Audience, chat_groups: ChatGroups | None = None) -> list[int]:
    """Return the ids of the people an audience selects, ascending; raise UserError naming an unknown email."""
    groups = chat_groups or {}
    chosen = None if audience.all else _Filter.of(session, audience, "audience", groups)
    learners_only = bool(audience.all) or (audience.roles is None and audience.emails is None)
    out = None if audience.except_ is None else _Filter.of(session, audience.except_, "audience.except", groups)
    stmt = select(Person.id, Person.roles, Person.department, Person.location, Person.groups).where(CURRENT)
    ids: list[int] = []
    for row in session.execute(stmt.order_by(Person.id).execution_options(yield_per=CHUNK)):
        if learners_only and "learner" not in row.roles.split(";"):
            continue
        if (chosen is None or chosen.matches(row)) and (out is None or not out.matches(row)):
            ids.append(row.id)
    return ids


def resolve_audience(session: Session, audience: Audience, chat_groups: ChatGroups | None = None) -> list[Person]:
    """Return the people an audience selects, ordered by id; raise UserError naming an unknown email."""
    people: list[Person] = []
    for part in batched(audience_ids(session, audience, chat_groups), CHUNK):
        people += session.scalars(select(Person).where(Person.id.in_(part)).order_by(Person.id))
    return people


@dataclass
class _Filter:
    """One audience filter: the id sets its people-naming selectors found, and the attribute values it wants."""

    ids: list[set[int]] = field(default_factory=list)
    attributes: list[tuple[str, set[str]]] = field(default_factory=list)

    @classmethod
    def of(cls, session: Session, f: AudienceFilter, where: str, chat_groups: ChatGroups) -> _Filter:
        """Look up what `f`'s selectors name, in the order given (the first unknown one is the error)."""
        out = cls()
        for key in f.selectors():
            values: list[str] = getattr(f, key)
            if key in ("emails", "managers"):
                out.ids.append(_named(session, key, values, f"{where}.{key}"))
            elif key in GROUP_SELECTORS:
                out.ids.append(_groups(session, GROUP_SELECTORS[key], values, f"{where}.{key}", chat_groups))
            else:
                out.attributes.append((key, {v.strip().casefold() for v in values}))
        return out

    def matches(self, row: Any) -> bool:
        """Return True when the person's row passes every selector."""
        return (all(row.id in found for found in self.ids)
                and all(_attribute(row, key) & wanted for key, wanted in self.attributes))


def _named(session: Session, key: str, emails: list[str], where: str) -> set[int]:
    """Return the people named by email, or (managers) everyone below them."""
    found: dict[str, int] = {}
    for part in batched(emails, CHUNK):
        rows = session.execute(select(Person.email, Person.id).where(Person.email.in_(part), CURRENT))
        found.update((email or "", pid) for email, pid in rows)
    missing = [v for v in emails if v not in found]
    if missing:
        raise UserError(f"{where}: {missing[0]} is not a known person; import the roster first")
    if key == "emails":
        return {found[v] for v in emails}
    return {pid for v in emails for pid in _tree(session, found[v])}


def _tree(session: Session, root_id: int) -> set[int]:
    """Return everyone below a manager (reports, their reports, ...), never the manager; a level per query."""
    seen = {root_id}
    level = [root_id]
    while level:
        below: list[int] = []
        for part in batched(level, CHUNK):
            below += [pid for pid in session.scalars(select(Person.id).where(Person.manager_id.in_(part), CURRENT))
                      if pid not in seen]
        seen.update(below)
        level = below
    return seen - {root_id}


def _groups(session: Session, platform: str, groups: list[str], where: str, chat_groups: ChatGroups) -> set[int]:
    known = chat_groups.get(platform)
    if known is None:
        raise UserError(f"{where}: {platform.title()} is not configured, so its user groups are unknown")
    users: set[str] = set()
    for g in groups:
        if g not in known:
            raise UserError(f"{where}: no {platform.title()} user group {g!r}")
        users.update(known[g])
    ids: set[int] = set()
    for part in batched(sorted(users), CHUNK):
        ids.update(session.scalars(select(ChatAccount.person_id).where(ChatAccount.platform == platform,
                                                                       ChatAccount.user_id.in_(part))))
    return ids


def _attribute(row: Any, key: str) -> set[str]:
    if key == "roles":
        return {r.casefold() for r in row.roles.split(";") if r}
    if key == "groups":
        return {g.strip().casefold() for g in (row.groups or "").split(";") if g.strip()}
    value = row.department if key == "departments" else row.location
    return {value.strip().casefold()} if value else set()
