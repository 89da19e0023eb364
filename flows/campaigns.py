"""Flows about campaigns: apply a campaign file, pause and resume."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.audience import ChatGroups
from core.db import refresh_statistics
from core.services import campaigns
from core.services.campaigns import ApplyReport
from scheduler.first_plan import first_instant, plan_new_enrollments
from scheduler.planner import plan_pending

BULK = 1000  # rows changed at once that make the planner's statistics worth refreshing


def apply_campaign(session: Session, spec: CampaignSpec, now: datetime, *, allow_empty: bool = True,
                   chat_groups: ChatGroups | None = None) -> ApplyReport:
    """Create or update a campaign, enroll its audience and plan their first nudges."""
    report = campaigns.apply_campaign(session, spec, now, lambda c, zone: first_instant(c, zone, now),
                                      allow_empty=allow_empty, chat_groups=chat_groups)
    if report.enrolled + report.removed >= BULK:
        refresh_statistics(session, ["enrollments"])
    plan_new_enrollments(session, now)
    plan_pending(session, now)
    return report


def pause_campaign(session: Session, campaign_id: str) -> None:
    """Pause a campaign: nothing more is sent until it is resumed."""
    campaigns.set_status(session, campaign_id, "paused")


def resume_campaign(session: Session, campaign_id: str, now: datetime) -> None:
    """Resume a campaign from each learner's next scheduled time; missed days are not sent."""
    campaigns.set_status(session, campaign_id, "active")
    plan_pending(session, now)
