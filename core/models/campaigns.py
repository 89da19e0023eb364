"""Campaigns, enrollments, reporting options and batched escalation items."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, partial_index

if TYPE_CHECKING:
    from core.models.people import Person


class Campaign(Base):
    """One track for an audience on a cadence."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    track_id: Mapped[str] = mapped_column(String(100))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    days: Mapped[str] = mapped_column(String(40))
    at_time: Mapped[str] = mapped_column(String(5))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    remind_after: Mapped[int] = mapped_column(Integer, default=2)
    manager_after: Mapped[int] = mapped_column(Integer, default=4)
    digest_day: Mapped[str] = mapped_column(String(3), default="mon")
    digest_at: Mapped[str] = mapped_column(String(5), default="08:30")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Learning: questions per learner per local day, stability (days) that retires a question,
    # first-attempt accuracy that passes, and how reviews are scheduled (fsrs, leitner, drip, repeat).
    daily_cap: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    mastery_days: Mapped[int] = mapped_column(Integer, default=21, server_default="21")
    pass_mark: Mapped[float] = mapped_column(Float, default=0.8, server_default="0.8")
    spacing: Mapped[str] = mapped_column(String(16), default="fsrs", server_default="fsrs")
    retention: Mapped[float] = mapped_column(Float, default=0.8, server_default="0.8")  # FSRS's desired retention
    # Nothing is sent between these local times ('19:00-08:00'); a person's own quiet hours add to them.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))


class Enrollment(Base):
    """A person in a campaign: where they are and when the next nudge is due."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("person_id", "campaign_id"),
        # Planned enrollments only: the unplanned (and the finished, all NULL) are never walked by a tick.
        partial_index("ix_enrollments_due", "next_due_at", where="next_due_at IS NOT NULL"),
        # Exactly the enrollments waiting to be planned, so finding none costs one probe.
        partial_index("ix_enrollments_unplanned", "id", where="status = 'active' AND next_due_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_at: Mapped[datetime | None]
    last_answer_at: Mapped[datetime | None]
    enrolled_at: Mapped[datetime]
    # Progress by id: the track version the learner is on and the unit ids delivered, in order.
    track_version_id: Mapped[int | None] = mapped_column(ForeignKey("track_versions.id"))
    units_done: Mapped[list[str] | None] = mapped_column(JSON)
    # The escalation ladder: when the current inactivity episode began (None: none), how many of the
    # campaign's ladder steps it crossed and when the last one was, and a manager's snooze.
    quiet_since: Mapped[datetime | None]
    ladder_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ladder_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
    campaign: Mapped[Campaign] = relationship()


class CampaignReporting(Base):
    """A campaign's digest and privacy options (one row per campaign; absent means the defaults)."""

    __tablename__ = "campaign_reporting"

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    # 1: direct reports only; 2: also reports' reports.
    digest_depth: Mapped[int] = mapped_column(Integer, default=1)
    # "Struggling": first-attempt accuracy over the last `struggle_last` answers under `struggle_below_pct`.
    struggle_below_pct: Mapped[int] = mapped_column(Integer, default=50)
    struggle_last: Mapped[int] = mapped_column(Integer, default=5)
    # Managers see team aggregates and flags, never an individual's scores.
    pseudonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Answers older than this many days are anonymised by the worker (None: kept as they are).
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # The escalation ladder: [[who, working days], ...] with who in learner, manager, skip_level; and the
    # managers' local time for their one escalation message a day.
    ladder: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    escalation_at: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")


class EscalationItem(Base):
    """One ladder step that tells a manager about a quiet learner, batched into one message a day."""

    __tablename__ = "escalation_items"
    __table_args__ = (Index("ix_escalation_items_recipient", "recipient_id", "delivery_key"),
                      Index("ix_escalation_items_learner", "learner_id", "resolved_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    campaign_id: Mapped[str] = mapped_column(String(100))
    # "manager" or "skip_level".
    step: Mapped[str] = mapped_column(String(16))
    quiet_since: Mapped[datetime]
    crossed_at: Mapped[datetime]
    # The batched message it went out in (None: waiting for the recipient's next one).
    delivery_key: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
