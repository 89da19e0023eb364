"""Factories and a scenario driver for tests: real services, real SQLite, virtual clock."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.bootstrap import Services, bootstrap
from bot.settings import Settings
from content.campaign import CampaignSpec
from content.schema import Track
from core.clock import VirtualClock
from core.models import Answer, ChatLog, Delivery, Enrollment, Person, TrackVersion
from core.ports import AnswerChosen, OutboundMessage, Reply, Sender
from core.render import answer_action
from core.services import campaigns, tracks
from scheduler.planner import plan_pending
from scheduler.worker import TickReport, tick


def make_track(track_id: str = "drill", units: int = 8, questions_per_unit: int | list[int] = 1,
               lesson_suffix: str = "") -> Track:
    """Return a valid track with `units` units; question i of unit u is `u{u}-q{i}` with choice 0 right."""
    counts = [questions_per_unit] * units if isinstance(questions_per_unit, int) else questions_per_unit
    body: dict[str, Any] = {"id": track_id, "title": f"Track {track_id}", "objective": "Learn it.", "units": []}
    for u, n in enumerate(counts, 1):
        body["units"].append({
            "id": f"u{u}", "title": f"Unit {u}", "lesson": f"Lesson {u} body.{lesson_suffix}",
            "questions": [{
                "id": f"u{u}-q{i}", "prompt": f"Prompt {u}.{i}?",
                "choices": [{"text": "Right", "correct": True, "feedback": "Yes, that is it."},
                            {"text": "Wrong", "feedback": "No, not that."},
                            {"text": "Also wrong"}],
                "explanation": f"Because {u}.{i}.",
            } for i in range(1, n + 1)],
        })
    return Track.model_validate(body)


class World:
    """One scenario: services over a migrated SQLite file, driven by a virtual clock."""

    def __init__(self, url: str, start: datetime) -> None:
        self.clock = VirtualClock(start)
        settings = Settings(database_url=url, _env_file=None)
        self.services: Services = bootstrap(settings, clock=self.clock, platforms=False)
        self.db = self.services.db

    def close(self) -> None:
        self.db.dispose()

    def session(self) -> Any:
        return self.db.session()

    # ------------------------------------------------------------------ building data

    def publish(self, track: Track | None = None) -> TrackVersion:
        track = track or make_track()
        with self.session() as s:
            v, _ = tracks.publish(s, track, self.clock.now())
            s.expunge(v)
            return v

    def person(self, email: str, tz: str | None = "Europe/Berlin", *, name: str = "", roles: str = "learner",
               manager: int | None = None, status: str = "active") -> int:
        with self.session() as s:
            p = Person(email=email, name=name or email.split("@")[0].title(), timezone=tz, roles=roles,
                       manager_id=manager, status=status, created_at=self.clock.now())
            s.add(p)
            s.flush()
            return p.id

    def campaign(self, emails: list[str], *, cid: str = "drill-c", track: str = "drill", days: str = "mon-fri",
                 at: str = "09:30", start: date = date(2027, 1, 4), end: date | None = None,
                 remind_after: int = 2, manager_after: int = 4, digest_day: str = "mon",
                 digest_at: str = "08:30", learning: dict[str, Any] | None = None,
                 quiet_hours: str | None = None, escalation: dict[str, Any] | None = None,
                 privacy: dict[str, Any] | None = None) -> str:
        day_list = ["mon", "tue", "wed", "thu", "fri"] if days == "mon-fri" else days.split(",")
        spec = CampaignSpec.model_validate({
            "id": cid, "track": track, "audience": {"emails": emails},
            "schedule": {"days": day_list, "at": at, "start": start.isoformat(),
                         **({"end": end.isoformat()} if end else {}),
                         **({"quiet_hours": quiet_hours} if quiet_hours else {})},
            "escalation": {"remind_after": remind_after, "manager_after": manager_after, **(escalation or {})},
            "digest": {"day": digest_day, "at": digest_at}, "learning": learning or {}, "privacy": privacy or {},
        })
        with self.session() as s:
            campaigns.apply_campaign(s, spec, self.clock.now())
            plan_pending(s, self.clock.now())  # as `nudgebot campaign apply` does
        return cid

    # ------------------------------------------------------------------ driving time

    def tick(self, at: datetime) -> TickReport:
        """Move the clock to `at` and run one real worker tick there."""
        self.clock.set(at)
        return asyncio.run(tick(self.db, self.services.dispatcher, self.clock.now()))

    def press(self, person_id: int, delivery_id: int, choice: int, at: datetime | None = None) -> Reply:
        """Press choice `choice` (0-based) on a question, as `person_id`, through the conversation."""
        if at is not None:
            self.clock.set(at)
        with self.session() as s:
            p = s.get(Person, person_id)
            assert p is not None
            sender = Sender(p.channel, p.address)
        event = AnswerChosen(sender, answer_action(delivery_id, choice))
        return asyncio.run(self.services.conversation.handle(event, wait=True))

    # ------------------------------------------------------------------ looking

    def deliveries(self, person_id: int | None = None, kind: str | None = None,
                   status: str | None = None) -> list[Delivery]:
        with self.session() as s:
            stmt = select(Delivery).order_by(Delivery.id)
            if person_id is not None:
                stmt = stmt.where(Delivery.person_id == person_id)
            if kind is not None:
                stmt = stmt.where(Delivery.kind == kind)
            if status is not None:
                stmt = stmt.where(Delivery.status == status)
            rows = list(s.scalars(stmt))
            s.expunge_all()
            return rows

    def inbox(self, person_id: int, kind: str | None = None) -> list[tuple[ChatLog, OutboundMessage]]:
        """Messages the console channel showed a person, oldest first (optionally of one kind)."""
        with self.session() as s:
            rows = list(s.scalars(select(ChatLog).where(ChatLog.address == str(person_id)).order_by(ChatLog.id)))
            s.expunge_all()
        out = [(r, OutboundMessage.from_dict(r.payload)) for r in rows]
        return [(r, m) for r, m in out if kind is None or m.kind == kind]

    def answers(self) -> list[Answer]:
        with self.session() as s:
            rows = list(s.scalars(select(Answer).order_by(Answer.id)))
            s.expunge_all()
            return rows

    def enrollment(self, person_id: int, cid: str = "drill-c") -> Enrollment:
        with self.session() as s:
            e = s.scalars(select(Enrollment).where(Enrollment.person_id == person_id,
                                                   Enrollment.campaign_id == cid)).one()
            s.expunge(e)
            return e

    def open_question(self, person_id: int) -> Delivery:
        """The person's latest sent question delivery."""
        qs = [d for d in self.deliveries(person_id, "question") if d.status == "sent"]
        assert qs, "no question was sent"
        return qs[-1]

    def do(self, fn: Any) -> Any:
        """Run fn(session) in a committed session and return its result."""
        with self.session() as s:
            return fn(s)



# Optional fields added after tracks were first published; unset, they must not change a track's hash.
LATER_UNIT_FIELDS = ("image",)
LATER_QUESTION_FIELDS = ("image", "accept", "typos", "tolerance", "min", "max")
LATER_CHOICE_FIELDS = ("next",)


def original_hash(track: Track) -> str:
    """Return the track's hash by the first formula, after checking every later optional field is unset."""
    body = track.model_dump(mode="json")
    for unit in body["units"]:
        for key in LATER_UNIT_FIELDS:
            assert unit.pop(key) is None
        for q in unit["questions"]:
            for key in LATER_QUESTION_FIELDS:
                assert q.pop(key) is None
            for c in q["choices"]:
                for key in LATER_CHOICE_FIELDS:
                    assert c.pop(key) is None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_sample_world(db_url: str, roster_rows: list[str], now: datetime, tmp: Path) -> None:
    """Migrate `db_url`, publish the sample phishing track, import `roster_rows` (CSV lines after the header)
    and apply a Monday campaign for every learner, through the same flows as the CLI."""
    from bot.dbsetup import upgrade
    from content.loader import LIBRARY_DIR, load_track_file
    from core.db import Database
    from flows import campaigns as flows_campaigns
    from flows import people as flows_people

    upgrade(db_url)
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    roster = tmp / "people.csv"
    roster.write_text("\n".join(["email,name,timezone,locale,manager_email,roles", *roster_rows]) + "\n",
                      encoding="utf-8")
    db = Database(db_url)
    with db.session() as s:
        tracks.publish(s, track, now)
        flows_people.import_roster(s, roster, now)
        flows_campaigns.apply_campaign(s, CampaignSpec.model_validate({
            "id": "c", "track": "phishing-basics", "audience": {"roles": ["learner"]},
            "schedule": {"days": ["mon"], "at": "09:00", "start": "2027-01-04"}}), now)
    db.dispose()
