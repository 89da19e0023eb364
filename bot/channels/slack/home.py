"""Gather what the App Home tab shows, from core services (runs in a worker thread)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.channels.slack.home_view import CampaignLine, HomeData, TeamLine
from core.i18n import format_datetime
from core.services import people
from core.services.progress import active_enrollments, person_stats, team_stats
from core.services.tracks import unit_count


def home_data(session: Session, user_id: str, now: datetime) -> HomeData:
    """Return the Home tab's data for a Slack user: campaigns, progress, streak, next nudge, team."""
    person = people.person_by_chat(session, "slack", user_id)
    if person is None:
        return HomeData(name="", known=False)
    zone = ZoneInfo(person.timezone) if person.timezone else None
    lines = []
    units: dict[str, int] = {}
    for e in active_enrollments(session, person.id):
        track_id = e.campaign.track_id
        if track_id not in units:
            units[track_id] = unit_count(session, track_id)
        nxt = ""
        if e.status == "active" and e.next_due_at is not None and zone is not None and person.status == "active":
            nxt = format_datetime(e.next_due_at, zone, person.locale, "day_comma_time")
        lines.append(CampaignLine(title=e.campaign.title or e.campaign_id, done=min(e.position, units[track_id]),
                                  total=units[track_id], status=e.status, next_nudge=nxt))
    st = person_stats(session, person.id)
    team: list[TeamLine] | None = None
    reports = people.reports_of(session, person.id)
    if reports or "manager" in person.role_set:
        stats = team_stats(session, [r.id for r in reports])
        team = [TeamLine(name=r.name or r.handle, answered=stats[r.id].answered, sent=stats[r.id].sent,
                         accuracy=stats[r.id].accuracy, streak=stats[r.id].streak, status=r.status)
                for r in reports]
    return HomeData(name=person.name, campaigns=lines, streak=st.streak, accuracy=st.accuracy,
                    answered=st.answered, timezone=person.timezone or "",
                    paused_until=person.paused_until.isoformat() if person.paused_until else "",
                    status=person.status, team=team, locale=person.locale)
