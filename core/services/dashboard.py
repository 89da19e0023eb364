"""Dashboard access: single-use sign-in links, who may see whom, the audit log and the signing secret.

Sign-in tokens are random, valid for 15 minutes and used once; only their SHA-256 is stored, so a copy
of the database cannot be used to sign in. Redeeming is one conditional UPDATE, so two browsers racing
with the same link cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import AppSecret, AuditEntry, Enrollment, Person, SignInToken

TOKEN_LIFETIME = timedelta(minutes=15)
Role = Literal["admin", "manager", "learner"]
T = TypeVar("T")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_sign_in(session: Session, person: Person, now: datetime) -> str:
    """Create a single-use sign-in token for `person`, valid for 15 minutes; return the token itself."""
    token = secrets.token_urlsafe(32)
    session.add(SignInToken(token_hash=_digest(token), person_id=person.id, created_at=now,
                            expires_at=now + TOKEN_LIFETIME))
    session.flush()
    return token


def redeem_sign_in(session: Session, token: str, now: datetime) -> Person | None:
    """Use a sign-in token once; return its person, or None when it is unknown, used or expired."""
    if not token or len(token) > 200:
        return None
    h = _digest(token)
    done = session.execute(update(SignInToken)
                           .where(SignInToken.token_hash == h, SignInToken.used_at.is_(None),
                                  SignInToken.expires_at > now)
                           .values(used_at=now).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        return None
    row = session.get(SignInToken, h)
    person = session.get(Person, row.person_id) if row is not None else None
    if person is None or person.status == "left":
        return None
    return person


def role_of(person: Person) -> Role:
    """Return the strongest dashboard role a person has."""
    roles = person.role_set
    if "admin" in roles:
        return "admin"
    if "manager" in roles:
        return "manager"
    return "learner"


def team_ids(session: Session, manager_id: int, *, skip_level: bool = False) -> list[int]:
    """Return the ids of a manager's reports (and their reports when `skip_level`), in one query per level."""
    found: list[int] = []
    level = [manager_id]
    for _ in range(2 if skip_level else 1):
        level = list(session.scalars(select(Person.id).where(Person.manager_id.in_(level)).order_by(Person.id)))
        found.extend(i for i in level if i != manager_id and i not in found)
    return found


def can_see_person(session: Session, viewer: Person, person_id: int, *, skip_level: bool = False) -> bool:
    """Return True when `viewer` may open `person_id`'s page: admins anyone, managers their team, all themselves."""
    if person_id == viewer.id or role_of(viewer) == "admin":
        return True
    if role_of(viewer) == "manager":
        return person_id in team_ids(session, viewer.id, skip_level=skip_level)
    return False


def audit(session: Session, actor: Person | None, action: str, target: str, now: datetime,
          **detail: Any) -> AuditEntry:
    """Write one audit log entry for a change someone made."""
    entry = AuditEntry(at=now, actor_id=actor.id if actor else None, actor=actor.handle if actor else "system",
                       action=action, target=target[:200], detail=detail)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and whether there are more."""

    rows: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def audit_entries(session: Session, *, action: str = "", actor: str = "", target: str = "", page: int = 1,
                  per_page: int = 50) -> Page[AuditEntry]:
    """Return a page of audit entries, newest first, filtered by action, actor and target (substrings)."""
    q = select(AuditEntry)
    if action:
        q = q.where(AuditEntry.action == action)
    if actor:
        q = q.where(AuditEntry.actor.contains(actor, autoescape=True))
    if target:
        q = q.where(AuditEntry.target.contains(target, autoescape=True))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return Page(rows, page, per_page, total)


def audit_actions(session: Session) -> list[str]:
    """Return the actions the audit log holds, for its filter."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def stored_secret(session: Session, name: str, now: datetime) -> str:
    """Return the service's secret `name`, generating and storing it the first time."""
    found = session.get(AppSecret, name)
    if found is not None:
        return found.value
    value = secrets.token_urlsafe(48)
    try:
        with session.begin_nested():
            session.add(AppSecret(name=name, value=value, created_at=now))
    except IntegrityError:  # another process stored it first: use theirs
        found = session.get(AppSecret, name)
        assert found is not None
        return found.value
    return value


def snooze_alert(session: Session, person_id: int, now: datetime | None = None) -> int:
    """Hold the manager escalation of a learner for a week (as the chat button does); return the enrollments touched.

    Without `now`, only the current quiet spell's old one-off alert is silenced.
    """
    values: dict[str, object] = {"escalated": True}
    if now is not None:
        values["snoozed_until"] = now + timedelta(days=7)
    done = session.execute(update(Enrollment)
                           .where(Enrollment.person_id == person_id, Enrollment.status == "active")
                           .values(**values).execution_options(synchronize_session=False))
    return int(getattr(done, "rowcount", 0))
