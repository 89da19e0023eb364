"""Organisation-wide settings rows, and the review log as FSRS's optimizer reads it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import ReviewLogRow, Setting

FSRS_KEY = "fsrs.parameters"


def fsrs_key(campaign_id: str | None) -> str:
    """Return the settings key of FSRS parameters for the organisation, or for one campaign."""
    return FSRS_KEY if campaign_id is None else f"{FSRS_KEY}:{campaign_id}"


def get(session: Session, key: str) -> dict[str, Any] | None:
    """Return a setting's value, if set."""
    row = session.get(Setting, key)
    return None if row is None else row.value


def put(session: Session, key: str, value: dict[str, Any], now: datetime) -> None:
    """Store a setting (replacing any earlier value)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    session.info.pop(FSRS_KEY, None)
    session.flush()


def take_turn(session: Session, key: str, now: datetime, every: timedelta, *, force: bool = False) -> bool:
    """Return True (and note `now` under `key`) when a periodic job's turn has come: once per `every`.

    Several workers may ask at once: the first to note the run takes it; a clock set back runs it again.
    """
    last = get(session, key)
    if not force and last is not None and timedelta(0) <= now - datetime.fromisoformat(str(last["at"])) < every:
        return False
    try:
        with session.begin_nested():
            put(session, key, {"at": now.isoformat()}, now)
    except IntegrityError:
        return False  # another worker is running it now
    return True


def fsrs_parameters(session: Session, campaign_id: str) -> list[float] | None:
    """Return the FSRS parameters fitted for a campaign, else for the organisation, else None.

    Looked up once per session and campaign: a planning pass asks for every enrollment it handles.
    """
    cache: dict[str, list[float] | None] = session.info.setdefault(FSRS_KEY, {})
    if campaign_id not in cache:
        cache[campaign_id] = None
        for key in (fsrs_key(campaign_id), FSRS_KEY):
            value = get(session, key)
            if value and isinstance(value.get("parameters"), list):
                cache[campaign_id] = [float(p) for p in value["parameters"]]
                break
    return cache[campaign_id]


def review_logs(session: Session, campaign_id: str | None = None) -> list[dict[str, Any]]:
    """Return stored reviews as FSRS review-log dicts (one card per learner and question), oldest first."""
    stmt = select(ReviewLogRow).order_by(ReviewLogRow.reviewed_at, ReviewLogRow.id)
    if campaign_id is not None:
        stmt = stmt.where(ReviewLogRow.campaign_id == campaign_id)
    return [{"card_id": r.memory_id, "rating": r.rating, "review_datetime": r.reviewed_at.isoformat(),
             "review_duration": r.duration_ms} for r in session.scalars(stmt)]
