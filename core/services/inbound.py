"""Inbound bookkeeping: platform events already handled, and what the bot is waiting to hear."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import PendingPrompt, ProcessedEvent

KEEP = timedelta(days=30)  # far past any platform's retries; a note or group reply may come again after this


def purge(session: Session, now: datetime) -> int:
    """Forget events handled more than KEEP ago; return how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < now - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)


def first_time(session: Session, key: str, now: datetime) -> bool:
    """Remember inbound event `key`; return False if it was handled before (a retry or redelivery)."""
    if session.get(ProcessedEvent, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(key=key, processed_at=now))
    except IntegrityError:
        return False  # another request with the same key got there first
    return True


def awaiting(session: Session, person_id: int) -> str | None:
    """Return what the bot asked this person and awaits a reply to (e.g. 'timezone'), if anything."""
    prompt = session.get(PendingPrompt, person_id)
    return None if prompt is None else prompt.kind


def expect(session: Session, person_id: int, kind: str, now: datetime) -> None:
    """Note that the bot asked this person something and awaits a reply of `kind`."""
    prompt = session.get(PendingPrompt, person_id)
    if prompt is None:
        session.add(PendingPrompt(person_id=person_id, kind=kind, data={}, created_at=now))
    else:
        prompt.kind, prompt.created_at = kind, now


def answered(session: Session, person_id: int) -> None:
    """Forget what the bot was waiting to hear from this person."""
    prompt = session.get(PendingPrompt, person_id)
    if prompt is not None:
        session.delete(prompt)
