"""Answers, memory states, review logs and completions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base

if TYPE_CHECKING:
    from core.models.people import Person


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
