"""People, their chat accounts, leave, invites and prompts awaiting an answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base


class Person(Base):
    """A learner, manager or admin. How to reach them lives in their chat accounts."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    tz_source: Mapped[str] = mapped_column(String(16), default="roster")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    roles: Mapped[str] = mapped_column(String(100), default="learner")
    # The platform the person chose to be nudged on; None means their most recently linked account.
    preferred_channel: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_until: Mapped[date | None] = mapped_column(Date)
    next_digest_at: Mapped[datetime | None] = mapped_column(index=True)
    # Questions a day across all campaigns; None means each campaign's own cap.
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    # When a chat platform was last asked about this person (profile, time zone, lookup by email).
    platform_checked_at: Mapped[datetime | None]
    platform_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Roster attributes for reports and audiences; groups are ';'-separated.
    department: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    groups: Mapped[str] = mapped_column(String(500), default="")
    # A working day: public holidays of country/region, weekend days ('sat;sun'), quiet hours ('19:00-08:00').
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    weekend: Mapped[str | None] = mapped_column(String(40))
    quiet_hours: Mapped[str | None] = mapped_column(String(11))

    manager: Mapped[Person | None] = relationship(remote_side=[id])
    # Loaded with the person in one extra query per batch: every send needs the address.
    accounts: Mapped[list[ChatAccount]] = relationship(
        back_populates="person", order_by="ChatAccount.id", lazy="selectin", cascade="all, delete-orphan")

    @property
    def role_set(self) -> set[str]:
        """Return the person's roles as a set."""
        return {r for r in self.roles.split(";") if r}

    @property
    def account(self) -> ChatAccount | None:
        """Return the account nudges go to: the preferred platform's, else the newest reachable one."""
        active = [a for a in self.accounts if a.status == "active"]
        for a in reversed(active):
            if a.platform == self.preferred_channel:
                return a
        if active:
            return active[-1]
        return self.accounts[-1] if self.accounts else None

    def account_on(self, platform: str) -> ChatAccount | None:
        """Return this person's (newest) account on `platform`, if any."""
        found = [a for a in self.accounts if a.platform == platform]
        return found[-1] if found else None

    def account_id(self, platform: str) -> str | None:
        """Return this person's user id on `platform`, if they have an account there."""
        a = self.account_on(platform)
        return a.user_id if a else None

    @property
    def channel(self) -> str:
        """Return the chat channel this person is reached on (console when they have no account)."""
        a = self.account
        return a.platform if a else "console"

    @property
    def address(self) -> str:
        """Return the platform address of this person on their channel."""
        a = self.account
        return a.user_id if a else str(self.id)

    @property
    def handle(self) -> str:
        """Return how CLIs and exports name this person: email, else their first chat account."""
        if self.status in ("forgotten", "anonymous"):
            return f"{self.status}:{self.id}"
        if self.email:
            return self.email
        if self.accounts:
            return self.accounts[0].handle
        return f"console:{self.id}"


class ChatAccount(Base):
    """One person's identity on one chat platform (a row per platform, workspace and user)."""

    __tablename__ = "chat_accounts"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    # The workspace or bot the account belongs to; empty for a deployment with one of each.
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    linked_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="accounts")

    @property
    def handle(self) -> str:
        """Return the account as `platform:user id`, the form the CLI accepts."""
        return f"{self.platform}:{self.user_id}"


class LeavePeriod(Base):
    """Days a person is away (leave imported by an admin, or a pause in chat): no nudges, no broken streak."""

    __tablename__ = "leave_periods"
    __table_args__ = (Index("ix_leave_person", "person_id", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    # None: an open-ended pause, closed (set to the day before) when the person resumes.
    end_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Invite(Base):
    """An enrollment invite code (carried by a chat deep link)."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PendingPrompt(Base):
    """A question the bot asked a person outside of a quiz (e.g. which time zone), awaiting a reply."""

    __tablename__ = "pending_prompts"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
