"""A small organisation for the dashboard tests: an admin, two managers, their reports, a week and a bit of answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.services import dashboard, people, tracks
from flows import campaigns as flows_campaigns
from flows import people as flows_people
from tests.helpers import World

ROSTER = """email,name,timezone,locale,manager_email,roles,slack_id,telegram_id
ada@example.org,Ada Admin,Europe/Berlin,en,,admin,,
max@example.org,Max Manager,Europe/Berlin,en,,manager,,
mia@example.org,Mia Manager,America/New_York,en,,manager,,
lea@example.org,Lea Learner,Europe/Berlin,en,max@example.org,learner,,
leo@example.org,Leo Lang,Europe/Berlin,en,max@example.org,learner,,
lin@example.org,Lin Quiet,Asia/Tokyo,en,max@example.org,learner,,
lou@example.org,Lou Other,America/New_York,en,mia@example.org,learner,,
sam@example.org,Sam Solo,Europe/London,en,,learner,,
"""
START = date(2027, 1, 7)  # a Thursday: five weekdays span two weeks
# Per learner: which choice they pick each scheduled day ("r" right, "w" wrong, "-" silent).
PLAN = {"lea@example.org": "rrwrrr", "leo@example.org": "wwrwwr", "lin@example.org": "r-----",
        "lou@example.org": "rrrrrr", "sam@example.org": "rw-r--"}


@dataclass
class Org:
    """Ids of the seeded people, by email."""

    ids: dict[str, int]


def seed(world: World, tmp: Path) -> Org:
    """Import the roster, publish the sample track, run a campaign for six weekdays with answers."""
    roster = tmp / "people.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    spec = CampaignSpec.model_validate({
        "id": "phishing-q1", "title": "Spotting phishing", "track": track.id, "audience": {"roles": ["learner"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": START.isoformat()},
        "escalation": {"remind_after": 2, "manager_after": 3}})
    now = world.clock.now()
    with world.session() as s:
        tracks.publish(s, track, now)
        flows_people.import_roster(s, roster, now)
        flows_campaigns.apply_campaign(s, spec, now)
        ids = {p.email: p.id for p in (people.find_person(s, e) for e in
                                        [line.split(",")[0] for line in ROSTER.splitlines()[1:]])}
    day, n = START, 0
    while n < 5:
        if day.weekday() < 5:
            for hour in (1, 10, 15):  # after 09:30 in Tokyo, Berlin and London, New York (UTC)
                world.tick(datetime.combine(day, time(hour), tzinfo=UTC))
            for email, plan in PLAN.items():
                _answer(world, ids[email], plan[n])
            n += 1
        day += timedelta(days=1)
    return Org(ids)


def _answer(world: World, pid: int, how: str) -> None:
    if how == "-":
        return
    sent = [d for d in world.deliveries(pid, "question") if d.status == "sent"]
    answered = {a.delivery_id for a in world.answers()}
    open_ = [d for d in sent if d.id not in answered]
    if not open_:
        return
    d = open_[-1]
    right = 0 if how == "r" else 1
    world.press(pid, d.id, _choice(world, d, right))


def _choice(world: World, d: object, want_right: int) -> int:
    from core.models import Delivery, TrackVersion
    from core.services.tracks import track_of

    def find(s: object) -> int:
        assert isinstance(d, Delivery)
        v = s.get(TrackVersion, d.track_version_id)  # type: ignore[attr-defined]
        q = track_of(v).question(d.item)[1]
        return q.correct_index if want_right == 0 else (q.correct_index + 1) % len(q.choices)

    return int(world.do(find))


def link(world: World, email: str) -> str:
    """Return a fresh sign-in token for a person."""
    def issue(s: object) -> str:
        return dashboard.issue_sign_in(s, people.find_person(s, email), world.clock.now())  # type: ignore[arg-type]

    return str(world.do(issue))
