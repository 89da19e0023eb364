"""Operational alerts for admins (people with the role `admin`), through the outbox like any message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import translate
from core.models import Person
from core.render import info_message
from core.services import outbox


def platform_stopped(session: Session, platform: str, reason: str, now: datetime) -> list[str]:
    """Queue a note to every admin reachable on another platform that `platform` stopped; return their handles.

    One note per admin, platform and day (the outbox key), however often the platform refuses us.
    """
    told = []
    for person in session.scalars(select(Person).where(Person.status == "active", Person.roles.contains("admin"))):
        if "admin" not in person.role_set or person.channel == platform:
            continue
        text = translate(person.locale, "{platform} stopped accepting messages from nudgebot ({reason}). "
                                        "Nothing more is sent there and queued messages wait; reinstall the "
                                        "app and restart nudgebot to resume.", platform=platform.title(),
                         reason=reason)
        outbox.enqueue(session, key=f"alert:{platform}-stopped:{now:%Y-%m-%d}:{person.id}", person=person,
                       kind="info", message=info_message(text, locale=person.locale), due=now)
        told.append(person.handle)
    return told
