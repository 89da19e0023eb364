"""Resolve a campaign audience (roster attributes, a manager's tree, chat platform groups, `except:`) to people.

Each selector key given narrows the audience (Sales *and* Berlin); the values listed under one key
are alternatives (Sales *or* Support). Unless the audience names `roles` or `emails`, only people
with the `learner` role are included, as `all: true` always did. People who left or were forgotten
are never included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaign import GROUP_SELECTORS, Audience, AudienceFilter
from core.errors import UserError
from core.models import Person

__all__ = ["ChatGroups", "groups_to_fetch", "resolve_audience", "tree_of"]

# platform -> group name or id -> the platform user ids in it, fetched by the caller (core makes no calls).
ChatGroups = Mapping[str, Mapping[str, Sequence[str]]]


def groups_to_fetch(audience: Audience) -> dict[str, list[str]]:
    """Return, by platform, every chat group the audience (or its `except:`) names, for the caller to fetch."""
    out = audience.chat_groups()
    if audience.except_ is not None:
        for platform, names in audience.except_.chat_groups().items():
            mine = out.setdefault(platform, [])
            mine += [g for g in names if g not in mine]
    return out


def resolve_audience(session: Session, audience: Audience, chat_groups: ChatGroups | None = None) -> list[Person]:
    """Return the people an audience selects, ordered by id; raise UserError naming an unknown email."""
    people = list(session.scalars(
        select(Person).where(Person.status.not_in(("left", "forgotten"))).order_by(Person.id)))
    index = _Index(people, chat_groups or {})
    if audience.all:
        chosen = [p for p in people if "learner" in p.role_set]
    else:
        chosen = index.select(audience, "audience", people)
        if audience.roles is None and audience.emails is None:
            chosen = [p for p in chosen if "learner" in p.role_set]
    if audience.except_ is not None:
        out = {p.id for p in index.select(audience.except_, "audience.except", people)}
        chosen = [p for p in chosen if p.id not in out]
    return chosen


def tree_of(people: Iterable[Person], root_id: int) -> list[Person]:
    """Return everyone below a manager (reports, their reports, ...), never the manager; cycles are safe."""
    reports: dict[int, list[Person]] = defaultdict(list)
    for p in people:
        if p.manager_id is not None:
            reports[p.manager_id].append(p)
    seen: set[int] = {root_id}
    out: list[Person] = []
    stack = [root_id]
    while stack:
        for r in reports.get(stack.pop(), []):
            if r.id not in seen:
                seen.add(r.id)
                out.append(r)
                stack.append(r.id)
    return out


class _Index:
    def __init__(self, people: list[Person], chat_groups: ChatGroups) -> None:
        self.people = people
        self.by_email = {p.email: p for p in people if p.email}
        self.chat_groups = chat_groups

    def select(self, f: AudienceFilter, where: str, people: list[Person]) -> list[Person]:
        """Return the people matching every selector of `f`."""
        ids: set[int] | None = None
        for key in f.selectors():
            values: list[str] = getattr(f, key)
            found = self._match(key, values, f"{where}.{key}")
            ids = found if ids is None else ids & found
        return [p for p in people if ids is not None and p.id in ids]

    def _match(self, key: str, values: list[str], where: str) -> set[int]:
        if key in ("emails", "managers"):
            missing = [v for v in values if v not in self.by_email]
            if missing:
                raise UserError(f"{where}: {missing[0]} is not a known person; import the roster first")
            if key == "emails":
                return {self.by_email[v].id for v in values}
            return {p.id for v in values for p in tree_of(self.people, self.by_email[v].id)}
        if key in GROUP_SELECTORS:
            return self._groups(GROUP_SELECTORS[key], values, where)
        wanted = {v.strip().casefold() for v in values}
        return {p.id for p in self.people if _attribute(p, key) & wanted}

    def _groups(self, platform: str, groups: list[str], where: str) -> set[int]:
        known = self.chat_groups.get(platform)
        if known is None:
            raise UserError(f"{where}: {platform.title()} is not configured, so its user groups are unknown")
        users: set[str] = set()
        for g in groups:
            if g not in known:
                raise UserError(f"{where}: no {platform.title()} user group {g!r}")
            users.update(known[g])
        return {p.id for p in self.people for a in p.accounts if a.platform == platform and a.user_id in users}


def _attribute(p: Person, key: str) -> set[str]:
    if key == "roles":
        return {r.casefold() for r in p.role_set}
    if key == "groups":
        return {g.strip().casefold() for g in p.groups.split(";") if g.strip()}
    value = p.department if key == "departments" else p.location
    return {value.strip().casefold()} if value else set()
