"""SQLAlchemy models of the learning record. All instants are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that refuses naive values and always comes back aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware instants")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back naive values for what we stored as UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for all models."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


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


class TrackVersion(Base):
    """One published version of a track, identified by its content hash."""

    __tablename__ = "track_versions"
    __table_args__ = (
        UniqueConstraint("track_id", "version"),
        UniqueConstraint("track_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime]


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
    # first-attempt accuracy that passes, and how reviews are scheduled (fsrs, leitner, drip).
    daily_cap: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    mastery_days: Mapped[int] = mapped_column(Integer, default=21, server_default="21")
    pass_mark: Mapped[float] = mapped_column(Float, default=0.8, server_default="0.8")
    spacing: Mapped[str] = mapped_column(String(16), default="fsrs", server_default="fsrs")
    # Nothing is sent between these local times ('19:00-08:00'); a person's own quiet hours add to them.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))


class Enrollment(Base):
    """A person in a campaign: where they are and when the next nudge is due."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("person_id", "campaign_id"),
        # Planned enrollments only: the unplanned (and the finished, all NULL) are never walked by a tick.
        Index("ix_enrollments_due", "next_due_at", sqlite_where=text("next_due_at IS NOT NULL"),
              postgresql_where=text("next_due_at IS NOT NULL")),
        # Exactly the enrollments waiting to be planned, so finding none costs one probe.
        Index("ix_enrollments_unplanned", "id", sqlite_where=text("status = 'active' AND next_due_at IS NULL"),
              postgresql_where=text("status = 'active' AND next_due_at IS NULL")),
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


class Delivery(Base):
    """An outbox row: one message to one person, sent at most once thanks to its unique key."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_pending", "status", "next_attempt_at", "id"),
        Index("ix_deliveries_person", "person_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # None for a reply to someone the bot does not know yet (channel and address say where).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"))
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(200), default="")
    track_version_id: Mapped[int | None] = mapped_column(ForeignKey("track_versions.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_ref: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # The slot a nudge was planned for (the learner's local day and the instant), besides due/sent.
    slot_day: Mapped[str | None] = mapped_column(String(10))
    slot_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship()


class Answer(Base):
    """The first answer to a delivered question; later presses change nothing."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(100))
    # The pressed choice (single, true_false); None for multiple-response and typed answers.
    choice_index: Mapped[int | None] = mapped_column(Integer)
    # What the learner answered, as they saw it: the choice, the chosen choices joined by "; ", or the typed text.
    choice_text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    # Partial credit in [0, 1] (multiple response: share of choices classified right); 1 or 0 otherwise.
    score: Mapped[float | None] = mapped_column(Float)
    # The raw response: the typed text (short, numeric) or the chosen choice numbers from 1 ("1;3", multiple).
    response: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(Integer)
    track_version_id: Mapped[int | None] = mapped_column(ForeignKey("track_versions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime]
    # Scenario questions: the step on the decision path (1 for its first question) and the path taken so far,
    # `first:2>second:1` (question ids and choice numbers); None for ordinary questions.
    step: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(400))

    person: Mapped[Person] = relationship()


class ChatLog(Base):
    """Messages shown on the console channel, so `nudgebot chat` can show the conversation."""

    __tablename__ = "chat_log"
    __table_args__ = (Index("ix_chat_log_address", "address", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3), default="out")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """An inbound platform event already handled (keyed by the platform's own event or update id)."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime]


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


# --- reach: translations and lesson history ---


class TrackTranslationRow(Base):
    """One language's words for a track (content/translation.py), made from the source with `source_hash`."""

    __tablename__ = "track_translations"
    __table_args__ = (UniqueConstraint("track_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str] = mapped_column(String(35))
    source_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime]


# --- managers: audit log, xAPI outbox ---


class AuditEntry(Base):
    """One thing done to or about a person (escalation step, snooze, export, erasure), for the record."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_id", "id"), Index("ix_audit_log_at", "at"),
                      Index("ix_audit_log_action", "action", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    # Who did it: a person's handle, "cli" or "worker"; ids are kept by number only, never by name.
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    delivery_key: Mapped[str | None] = mapped_column(String(200))
    # What a dashboard change was applied to (a campaign, a person's handle) and its details.
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class XapiStatement(Base):
    """An xAPI statement queued for the LRS, built when queued; its id is deterministic, so re-sends are no-ops."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


# --- learning ---


class MemoryRow(Base):
    """One learner's memory of one question in one enrollment (None state: asked, not yet reviewed)."""

    __tablename__ = "memory_states"
    __table_args__ = (UniqueConstraint("enrollment_id", "question_id"),
                      Index("ix_memory_due", "enrollment_id", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    due_at: Mapped[datetime | None]
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    first_correct: Mapped[bool | None] = mapped_column(Boolean)
    ever_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewLogRow(Base):
    """One review (answer or lapse) as FSRS's optimizer reads it: card, rating, time and duration."""

    __tablename__ = "review_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    memory_id: Mapped[int] = mapped_column(ForeignKey("memory_states.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    campaign_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(100))
    rating: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime]


class Completion(Base):
    """A learner's completion of a campaign: when, how (mastered or the end passed) and the score."""

    __tablename__ = "completions"

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(100))
    completed_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    pass_mark: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    questions: Mapped[int] = mapped_column(Integer)
    first_correct: Mapped[int] = mapped_column(Integer)

    person: Mapped[Person] = relationship()


# --- dashboard ---


class SignInToken(Base):
    """A single-use dashboard sign-in link; only the SHA-256 of the token is stored."""

    __tablename__ = "sign_in_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]



class AppSecret(Base):
    """A secret the service generated for itself (e.g. the dashboard's cookie-signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


# Dashboard pages count and page a campaign's learners (in enrollment order, status covered), its answers
# and a manager's team without scanning the rest.
Index("ix_enrollments_campaign", Enrollment.campaign_id, Enrollment.id, Enrollment.status)
Index("ix_answers_campaign_at", Answer.campaign_id, Answer.answered_at)
Index("ix_people_manager", Person.manager_id)
# Only enrollments in an inactivity episode (or with a crossed step to resolve) are walked by the ladder.
Index("ix_enrollments_ladder", Enrollment.id, sqlite_where=text("quiet_since IS NOT NULL OR ladder_step > 0"),
      postgresql_where=text("quiet_since IS NOT NULL OR ladder_step > 0"))


# --- reach2: lesson history (searchable with SQLite FTS5 / PostgreSQL full-text search) ---


class LessonHistory(Base):
    """A lesson as a learner received it (title and text in their language), for `history` and `search`.

    The full-text index beside it is the database's own (created by the migration): the FTS5 table
    `lesson_history_fts` on SQLite, the generated `search_vector` column with a GIN index on PostgreSQL.
    """

    __tablename__ = "lesson_history"
    __table_args__ = (Index("ix_lesson_history_person", "person_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), unique=True)
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]


# --- managers2: digest options, privacy options, message attachments ---


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


class Attachment(Base):
    """An image sent with an outbox message (e.g. a digest chart), keyed by the delivery's key."""

    __tablename__ = "attachments"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


# --- learning 2: working days, content versions, settings ---


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


class TrackRetirement(Base):
    """A track closed to new enrollments; running campaigns carry on."""

    __tablename__ = "track_retirements"

    track_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    retired_at: Mapped[datetime]


class Setting(Base):
    """One organisation-wide setting (for example fitted FSRS parameters), stored as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(150), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class RateLimitRow(Base):
    """One key of the limiter every process of a deployment shares (core/ratelimit.py).

    Instants are seconds on the limiter's clock (Unix time in production), not datetimes: they are
    compared and advanced by fractions of a second in one conditional UPDATE.
    """

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)  # when the next send under this key may go
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)  # a 429's Retry-After holds sends until then
    rate: Mapped[float | None] = mapped_column(Float)  # sends per second now, for a key whose rate adapts
