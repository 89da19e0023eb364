"""SQLAlchemy models of the learning record, one module per area. All instants are stored in UTC.

Every model is imported here, so `from core.models import X` keeps working and the mappers (whose
relationships name classes of other modules) are all known before first use.
"""

from __future__ import annotations

from sqlalchemy import Index

from core.models.admin import AppSecret, AuditEntry, Setting, SignInToken
from core.models.base import Base, UTCDateTime, partial_index
from core.models.campaigns import Campaign, CampaignReporting, Enrollment, EscalationItem
from core.models.content import Attachment, TrackRetirement, TrackTranslationRow, TrackVersion
from core.models.delivery import (
    ChatLog,
    Delivery,
    InboxEvent,
    LessonHistory,
    ProcessedEvent,
    RateLimitRow,
    XapiStatement,
)
from core.models.learning import Answer, Completion, MemoryRow, ReviewLogRow
from core.models.people import ChatAccount, Invite, LeavePeriod, PendingPrompt, Person

__all__ = [
    "Answer",
    "AppSecret",
    "Attachment",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignReporting",
    "ChatAccount",
    "ChatLog",
    "Completion",
    "Delivery",
    "Enrollment",
    "EscalationItem",
    "InboxEvent",
    "Invite",
    "LeavePeriod",
    "LessonHistory",
    "MemoryRow",
    "PendingPrompt",
    "Person",
    "ProcessedEvent",
    "RateLimitRow",
    "ReviewLogRow",
    "Setting",
    "SignInToken",
    "TrackRetirement",
    "TrackTranslationRow",
    "TrackVersion",
    "UTCDateTime",
    "XapiStatement",
]

# Dashboard pages count and page a campaign's learners (in enrollment order, status covered), its answers
# and a manager's team without scanning the rest.
Index("ix_enrollments_campaign", Enrollment.campaign_id, Enrollment.id, Enrollment.status)
Index("ix_answers_campaign_at", Answer.campaign_id, Answer.answered_at)
Index("ix_people_manager", Person.manager_id)
# Only enrollments in an inactivity episode (or with a crossed step to resolve) are walked by the ladder.
partial_index("ix_enrollments_ladder", Enrollment.id, where="quiet_since IS NOT NULL OR ladder_step > 0")
