"""`nudgebot simulate`: a synthetic cohort through the real planner and dispatcher on a virtual clock.

Four copies of the same cohort (same learners, same random streams) each follow one campaign on the
same track: FSRS reviews, a Leitner box schedule, a plain drip that asks every question once, and a
fixed repeat at FSRS's cost: the drip, topped up by re-asking every question in a fixed round-robin
order, each learner allowed each day as many questions as FSRS asked their twin that day (through the
person's own daily cap). Every day at 09:30 UTC the real worker tick queues and sends (console
channel); learners who answer that day answer every open question through the real answer flow,
follow-ups included. The repeat campaign's nudge is at 13:00, after FSRS's day is known.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.answering import scripted_reply
from bot.bootstrap import Services, bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from content.campaign import CampaignSpec
from content.schema import Track
from core.clock import VirtualClock
from core.models import Person, TrackVersion
from core.services import memory, outbox, people, progress, tracks
from core.services.tracks import track_of
from flows import campaigns as flows_campaigns
from flows import learning as flows_learning
from flows import people as flows_people
from scheduler.cohort import SimLearner, make_cohort, recall_share
from scheduler.learning import RETENTION
from scheduler.worker import tick

STRATEGIES = ("fsrs", "leitner", "drip", "repeat")
REPEAT_AT = time(13)  # the repeat campaign's nudge, once FSRS's day is known
START = date(2027, 1, 4)  # a Monday


@dataclass(frozen=True)
class StrategyResult:
    """What one schedule achieved with the cohort."""

    strategy: str
    learners: int
    questions_asked: int
    recall: float  # mean share of the track's questions a learner would recall at the end
    completions: int
    recall_later: float = 0.0  # the same, LATER days after the end with no question in between

    @property
    def recall_per_100_asked(self) -> float:
        """Return questions recalled at the end (over the cohort) per 100 questions asked."""
        return 0.0 if not self.questions_asked else 100 * self.recall * self.learners * QUESTIONS / self.questions_asked


UNITS, PER_UNIT = 8, 2
LATER = 90  # days after the end at which recall is measured again: what stuck
QUESTIONS = UNITS * PER_UNIT


def sim_track() -> Track:
    """Return the synthetic track: 8 units of 2 questions, the first choice right."""
    units = [{"id": f"u{u}", "title": f"Unit {u}", "lesson": f"Lesson {u}.",
              "questions": [{"id": f"u{u}-q{i}", "prompt": f"Question {u}.{i}?",
                             "choices": [{"text": "Right", "correct": True}, {"text": "Wrong"},
                                         {"text": "Also wrong"}]} for i in (1, 2)]}
             for u in range(1, UNITS + 1)]
    return Track.model_validate({"id": "sim", "title": "Simulated track", "objective": "Remember it.",
                                 "units": units})


def simulate(learners: int, days: int, seed: int, retention: float = RETENTION) -> list[StrategyResult]:
    """Run the cohort for `days` days under each schedule in a throwaway database; return the results.

    `retention` is the fsrs campaign's desired retention (`learning.retention`).
    """
    with tempfile.TemporaryDirectory(prefix="nudgebot-sim-") as tmp:
        return _Sim(Path(tmp), learners, days, seed, retention).run()


class _Sim:
    def __init__(self, tmp: Path, learners: int, days: int, seed: int, retention: float = RETENTION) -> None:
        self.tmp, self.days, self.seed, self.retention = tmp, days, seed, retention
        self.clock = VirtualClock(datetime.combine(START - timedelta(days=1), time(12), tzinfo=UTC))
        settings = Settings(database_url=f"sqlite:///{tmp}/sim.db", _env_file=None)
        upgrade(settings.database_url)
        self.services: Services = bootstrap(settings, clock=self.clock, echo=lambda *_: None, platforms=False)
        self.cohorts = {s: make_cohort(learners, days, seed) for s in STRATEGIES}
        self.rngs = {s: random.Random(seed + 1) for s in STRATEGIES}
        self.people: dict[str, list[int]] = {}

    def setup(self) -> None:
        now = self.clock.now()
        roster = self.tmp / "cohort.csv"
        emails = {strategy: [f"{strategy}-{x.index}@sim.example" for x in cohort]
                  for strategy, cohort in self.cohorts.items()}
        roster.write_text("email,name,timezone,roles\n" + "".join(
            f"{e},{e.split('@')[0]},UTC,learner\n" for group in emails.values() for e in group), encoding="utf-8")
        with self.services.db.session() as s:
            tracks.publish(s, sim_track(), now)
            flows_people.import_roster(s, roster, now)
            for strategy, group in emails.items():
                self.people[strategy] = people.ids_by_email(s, group)
                flows_campaigns.apply_campaign(s, CampaignSpec.model_validate({
                    "id": f"sim-{strategy}", "track": "sim", "audience": {"emails": group},
                    "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                 "at": REPEAT_AT.strftime("%H:%M") if strategy == "repeat" else "09:30",
                                 "start": START.isoformat()},
                    "learning": {"spacing": strategy, "retention": self.retention}}), now)

    def run(self) -> list[StrategyResult]:
        self.setup()
        db = self.services.db
        for n in range(self.days):
            day = START + timedelta(days=n)
            self.clock.set(datetime.combine(day, time(9, 30), tzinfo=UTC))
            asyncio.run(tick(db, self.services.dispatcher, self.clock.now()))
            self._answers(n, day, [s for s in STRATEGIES if s != "repeat"])
            if "repeat" in STRATEGIES:
                self._match_budget(day)
                self.clock.set(max(self.clock.now(), datetime.combine(day, REPEAT_AT, tzinfo=UTC)))
                asyncio.run(tick(db, self.services.dispatcher, self.clock.now()))
                self._answers(n, day, ["repeat"])
        end = datetime.combine(START + timedelta(days=self.days), time(9, 0), tzinfo=UTC)
        qids = [q.id for u in sim_track().units for q in u.questions]
        out = []
        with db.session() as s:
            for strategy in STRATEGIES:
                ids = self.people[strategy]
                asked = outbox.sent_count(s, ids, "question")
                done = progress.completions(s, ids)
                cohort = self.cohorts[strategy]
                out.append(StrategyResult(strategy, len(cohort), int(asked), _mean_recall(cohort, qids, end),
                                          int(done), _mean_recall(cohort, qids, end + timedelta(days=LATER))))
        db.dispose()
        return out

    def _answers(self, n: int, day: date, strategies: list[str]) -> None:
        for strategy in strategies:
            rng = self.rngs[strategy]
            for learner, pid in zip(self.cohorts[strategy], self.people[strategy], strict=True):
                if learner.answers_today(n, rng):
                    self._answer_all(learner, pid, day, rng)

    def _match_budget(self, day: date) -> None:
        """Give each repeat learner today's FSRS twin's number of questions as their own daily cap (at least 1)."""
        with self.services.db.session() as s:
            for twin, pid in zip(self.people["fsrs"], self.people["repeat"], strict=True):
                person = s.get(Person, pid)
                assert person is not None
                person.daily_cap = max(1, memory.questions_on(s, twin, day.isoformat()))

    def _answer_all(self, learner: SimLearner, pid: int, day: date, rng: random.Random) -> None:
        db = self.services.db
        for _ in range(12):
            self.clock.advance(timedelta(seconds=rng.randint(8, 40)))
            now = self.clock.now()
            with db.session() as s:
                d = outbox.open_question(s, pid, now, oldest=True)
                if d is None:
                    return
                assert d.track_version_id is not None
                version = s.get(TrackVersion, d.track_version_id)
                assert version is not None
                unit, question = track_of(version).question(d.item)
                lessons_today = outbox.items_on_day(s, pid, "lesson", day.isoformat())
                right = learner.answer(d.item, now, unit.id in lessons_today, rng)
                person = s.get(Person, pid)
                assert person is not None
                reply = scripted_reply(question, right)
                if question.type in ("single", "true_false"):
                    flows_learning.answer(s, person, d.id, int(reply) - 1, now)
                elif question.type == "multiple":
                    flows_learning.submit(s, person, d.id, now, [int(n) - 1 for n in reply.split(",")])
                else:
                    flows_learning.reply(s, person, d.id, reply, now)
            asyncio.run(self.services.dispatcher.run_once())  # the unit's next question, as the chat sends it


def _mean_recall(cohort: list[SimLearner], qids: list[str], at: datetime) -> float:
    return sum(recall_share(x, qids, at) for x in cohort) / len(cohort) if cohort else 0.0


def table(results: list[StrategyResult]) -> list[list[str]]:
    """Return the comparison as rows of text (header first), for the terminal and the README."""
    rows = [["schedule", "learners", "questions asked", "asked per learner", "recall at end",
             "recalled per 100 asked", f"recall {LATER} days on", "completions"]]
    for r in results:
        rows.append([r.strategy, str(r.learners), str(r.questions_asked), f"{r.questions_asked / r.learners:.1f}",
                     f"{r.recall:.0%}", f"{r.recall_per_100_asked:.1f}", f"{r.recall_later:.0%}", str(r.completions)])
    return rows
