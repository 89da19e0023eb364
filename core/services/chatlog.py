"""The console channel's mailbox: what was shown to a console address, so `nudgebot chat` can replay it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.models import ChatLog
from core.ports import OutboundMessage


def append_many(session: Session, items: Sequence[tuple[str, OutboundMessage]], now: datetime) -> list[int]:
    """Store messages shown to addresses in one statement; return their ids, in order."""
    if not items:
        return []
    rows = [{"address": a, "direction": "out", "payload": m.to_dict(), "created_at": now} for a, m in items]
    return list(session.scalars(insert(ChatLog).returning(ChatLog.id, sort_by_parameter_order=True), rows))


def replace(session: Session, ref: int, message: OutboundMessage, now: datetime) -> bool:
    """Replace a stored message (a question edited into its feedback)."""
    row = session.get(ChatLog, ref)
    if row is None:
        return False
    row.payload, row.edited_at = message.to_dict(), now
    return True


def history(session: Session, address: str, limit: int = 50) -> list[tuple[ChatLog, OutboundMessage]]:
    """Return the latest `limit` messages of an address, oldest first."""
    rows = list(session.scalars(select(ChatLog).where(ChatLog.address == address)
                                .order_by(ChatLog.id.desc()).limit(limit)))
    return [(r, OutboundMessage.from_dict(r.payload)) for r in reversed(rows)]
