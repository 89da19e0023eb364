"""Images sent with outbox messages: stored in the database so any worker process can send them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from content.pictures import ImageFile, stored_key
from core.db import Database
from core.models import Attachment
from core.ports import Image, OutboundMessage

__all__ = ["attach", "attach_many", "store_pictures", "with_image_data"]


def attach(session: Session, key: str, name: str, data: bytes, now: datetime, *, media_type: str = "image/png",
           alt: str = "") -> Image:
    """Store image bytes under `key` (idempotent) and return the Image a message refers to."""
    row = session.get(Attachment, key)
    if row is None:
        session.add(Attachment(key=key, name=name, media_type=media_type, data=data, created_at=now))
    else:
        row.name, row.media_type, row.data = name, media_type, data
    return Image(key=key, name=name, media_type=media_type, alt=alt)


def attach_many(session: Session, images: Sequence[tuple[str, str, bytes, str]], now: datetime, *,
                media_type: str = "image/png") -> list[Image]:
    """Store many images, each (key, name, data, alt), idempotently; return the Images in the same order.

    One query finds the keys already stored and one INSERT adds the rest, so a batch of digests costs
    two statements instead of a lookup and an insert per chart.
    """
    keys = [key for key, _, _, _ in images]
    stored: set[str] = set()
    for i in range(0, len(keys), 500):
        stored.update(session.scalars(select(Attachment.key).where(Attachment.key.in_(keys[i : i + 500]))))
    new = []
    for key, name, data, _ in images:
        if key in stored:
            attach(session, key, name, data, now, media_type=media_type)  # rare: built before, e.g. retried
        else:
            new.append({"key": key, "name": name, "media_type": media_type, "data": data, "created_at": now})
            stored.add(key)
    if new:
        session.execute(insert(Attachment), new)
    return [Image(key=key, name=name, media_type=media_type, alt=alt) for key, name, _, alt in images]


def with_image_data(db: Database, message: OutboundMessage) -> OutboundMessage:
    """Return the message with its image's bytes loaded; without them (deleted) the message goes as text."""
    image = message.image
    if image is None or image.data or (image.url and not image.key):
        return message
    with db.session() as s:
        row = s.get(Attachment, image.key)
        data = row.data if row is not None else b""
    return dataclasses.replace(message, image=dataclasses.replace(image, data=data) if data else None)


def store_pictures(session: Session, files: dict[str, ImageFile], now: datetime) -> int:
    """Store a published track's picture files (content-addressed, so each once); return how many were new."""
    new = 0
    for sha, f in files.items():
        key = stored_key(sha)
        if session.get(Attachment, key) is None:
            session.add(Attachment(key=key, name=f.name, media_type=f.media_type, data=f.data, created_at=now))
            new += 1
    return new
