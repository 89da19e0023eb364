"""Build one manager's digest: the numbers, the message and its chart (stored as an attachment)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.charts import PersonWeek
from core.digest_chart import digest_png
from core.digest_render import render_digest
from core.i18n import translate
from core.models import Person
from core.ports import OutboundMessage
from core.services.attachments import attach, attach_many
from core.services.team_digest import TeamDigest, collect

__all__ = ["build", "chart_job", "chart_key", "chart_of", "message_of", "messages_of"]


def chart_key(manager: Person, now: datetime) -> str:
    """Return the attachment key of a manager's chart for the digest built at `now` (one per local day)."""
    zone = ZoneInfo(manager.timezone or "UTC")
    return f"chart:{manager.id}:{now.astimezone(zone).date().isoformat()}"


def chart_of(d: TeamDigest, locale: str) -> bytes:
    """Render the digest's chart: per-person progress and first-try accuracy by week (PNG, a reused layout)."""
    return digest_png(d.weeks, translate(locale, "Your team's progress"), locale)


def build(session: Session, manager: Person, now: datetime, *, chart: bool = True) -> OutboundMessage | None:
    """Return the manager's digest for the days since their previous one, with its chart attached; or None."""
    d = collect(session, manager, now)
    return None if d is None else message_of(session, manager, d, now, chart=chart)


def message_of(session: Session, manager: Person, d: TeamDigest, now: datetime, *,
               chart: bool = True) -> OutboundMessage:
    """Return the message of a gathered digest, its chart rendered and stored as an attachment."""
    zone = ZoneInfo(manager.timezone or "UTC")
    image = None
    if chart:
        image = attach(session, chart_key(manager, now), "digest.png", chart_of(d, manager.locale), now,
                       alt=translate(manager.locale, "Your team's progress"))
    return render_digest(d, manager.name, manager.locale, zone, image)


def chart_job(manager: Person, d: TeamDigest) -> tuple[list[PersonWeek], str, str]:
    """Return what drawing a digest's chart takes: its rows, title and language (see scheduler/chart_pool.py)."""
    return d.weeks, translate(manager.locale, "Your team's progress"), manager.locale


def messages_of(session: Session, digests: Sequence[tuple[Person, TeamDigest]], now: datetime,
                charts: Sequence[bytes] | None = None) -> list[OutboundMessage]:
    """Return the messages of a batch of gathered digests; their charts (drawn here unless given) in one INSERT."""
    pngs = charts if charts is not None else [chart_of(d, m.locale) for m, d in digests]
    images = attach_many(session, [(chart_key(m, now), "digest.png", png, translate(m.locale, "Your team's progress"))
                                   for (m, _), png in zip(digests, pngs, strict=True)], now)
    return [render_digest(d, m.name, m.locale, ZoneInfo(m.timezone or "UTC"), image)
            for (m, d), image in zip(digests, images, strict=True)]
