"""The outbox and what crossed the chat: deliveries, chat log, seen events, lesson history, xAPI, rate limits."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, partial_index

if TYPE_CHECKING:
    from core.models.people import Person


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
    processed_at: Mapped[datetime] = mapped_column(index=True)  # the worker deletes rows a month old


class InboxEvent(Base):
    """A verified inbound platform event, kept from before the platform is told it arrived until it is handled.

    The answer path marks it done in the transaction that records it; one left open (the process died)
    is handled again from here, its `key` (the platform's id of the event) keeping it to once.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        partial_index("ix_inbox_open", "received_at", where="done_at IS NULL"),
        Index("ix_inbox_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # when a replay last took it
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # replays so far
    done_at: Mapped[datetime | None]


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
