"""Published track versions, their translations, retirements and stored pictures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


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


class TrackRetirement(Base):
    """A track closed to new enrollments; running campaigns carry on."""

    __tablename__ = "track_retirements"

    track_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    retired_at: Mapped[datetime]


class Attachment(Base):
    """An image sent with an outbox message (e.g. a digest chart), keyed by the delivery's key."""

    __tablename__ = "attachments"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
