"""Invites: codes that enroll whoever opens them (learners) or link a known person's chat account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import UserError
from core.models import Campaign, Enrollment, Invite, Person, TrackRetirement
from core.services.campaigns import enroll, get_campaign
from core.services.people import link_account, person_by_chat


def create_invite(session: Session, campaign_id: str | None, *, now: datetime, role: str = "learner",
                  max_uses: int | None = None, expires_at: datetime | None = None,
                  person_id: int | None = None) -> Invite:
    """Create an invite code for a campaign (or to link one person's chat account)."""
    if campaign_id is not None:
        get_campaign(session, campaign_id)
    if max_uses is not None and max_uses < 1:
        raise UserError("--uses must be at least 1")
    if expires_at is not None and expires_at <= now:
        raise UserError("the invite would already be expired")
    inv = Invite(code=secrets.token_urlsafe(9), campaign_id=campaign_id, role=role, max_uses=max_uses,
                 expires_at=expires_at, person_id=person_id, uses=0, created_at=now)
    session.add(inv)
    session.flush()
    return inv


RedeemStatus = Literal["joined", "already", "linked", "unknown", "expired", "used_up", "taken"]


@dataclass
class Redeemed:
    """The outcome of opening an invite."""

    status: RedeemStatus
    person: Person | None = None
    campaign: Campaign | None = None


def redeem(session: Session, code: str, *, platform: str, user_id: str, name: str, language: str,
           now: datetime, workspace: str = "") -> Redeemed:
    """Enroll (or link) the chat user who opened invite `code`; safe to repeat."""
    inv = session.get(Invite, code)
    if inv is None:
        return Redeemed("unknown")
    campaign = session.get(Campaign, inv.campaign_id) if inv.campaign_id else None
    person = person_by_chat(session, platform, user_id, workspace)
    if person is not None and campaign is not None:
        already = session.scalars(select(Enrollment).where(Enrollment.person_id == person.id,
                                                           Enrollment.campaign_id == campaign.id,
                                                           Enrollment.status == "active")).first()
        if already is not None:
            return Redeemed("already", person, campaign)
    if inv.expires_at is not None and inv.expires_at <= now:
        return Redeemed("expired", None, campaign)
    if campaign is not None and session.get(TrackRetirement, campaign.track_id) is not None:
        return Redeemed("expired", None, campaign)  # a retired track takes no new learners
    if inv.max_uses is not None and inv.uses >= inv.max_uses:
        return Redeemed("used_up", None, campaign)
    if inv.person_id is not None:
        target = session.get(Person, inv.person_id)
        if target is None:
            return Redeemed("unknown")
        if person is not None and person.id != target.id:
            return Redeemed("taken", person, campaign)
        link_account(session, target, platform, user_id, now, workspace)
        if target.status in ("blocked", "left"):
            target.status = "active"
        person = target
        status: RedeemStatus = "linked"
    else:
        status = "joined"
    if person is None:
        person = Person(name=name, locale=(language or "en")[:16], roles=inv.role, timezone=None,
                        tz_source="ask", status="active", created_at=now)
        session.add(person)
        link_account(session, person, platform, user_id, now, workspace)
        session.flush()
    elif person.status == "blocked":
        person.status = "active"
    inv.uses += 1
    if campaign is not None:
        enroll(session, campaign, person, now)
    return Redeemed(status, person, campaign)
