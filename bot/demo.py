"""`nudgebot demo`: a week and a bit of a campaign on the console channel, through the real scheduler path."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.rule import Rule

from bot.answering import scripted_reply
from bot.bootstrap import Services, bootstrap
from bot.channels.console.render import render
from bot.dbsetup import upgrade
from bot.settings import Settings
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from content.schema import Question
from core.clock import VirtualClock
from core.models import TrackVersion
from core.ports import AnswerChosen, CommandIssued, InboundEvent, OutboundMessage, Sender, TextSent
from core.render import answer_action
from core.services import outbox, people, progress, reports, tracks
from core.services.tracks import track_of
from flows import campaigns as flows_campaigns
from flows import people as flows_people
from scheduler.cadence import local_instant
from scheduler.worker import tick

ZONE = "Europe/Berlin"
START = date(2027, 1, 4)  # a Monday
ROSTER = """email,name,timezone,locale,manager_email,roles,slack_id,telegram_id
max@example.org,Max Manager,Europe/Berlin,en,,manager,,
lea@example.org,Lea Learner,Europe/Berlin,en,max@example.org,learner,,
"""
# Per scheduled day: which choice the auto-learner picks ("right", "wrong") or None for silence.
AUTO_PLAN: list[str | None] = ["right", "wrong", None, None, None, "right"]
MAX_DAYS = 40  # scheduled days at most, should mastery never come


def run_demo(*, auto: bool, console: Console, serve: bool = False, port: int = 8000,
             track: str = "phishing-basics") -> None:
    """Run the demo in a throwaway SQLite file, printing the conversation as it happens.

    With `serve`, the web dashboard is then served on the demo's data until interrupted.
    """
    interactive = not auto and sys.stdin.isatty()
    if not auto and not interactive:
        console.print("[dim](no terminal to type into: answering automatically)[/]")
    with tempfile.TemporaryDirectory(prefix="nudgebot-demo-") as tmp:
        demo = Demo(Path(tmp), console, interactive, track)
        demo.run()
        if serve:
            from bot.demo_serve import serve_dashboard

            serve_dashboard(demo.services, Path(tmp), console, port)


class Demo:
    """The demo's state: a virtual clock, the services and the two people."""

    def __init__(self, tmp: Path, console: Console, interactive: bool, track: str = "phishing-basics") -> None:
        self.console = console
        self.track_file = LIBRARY_DIR / f"{track}.yaml"
        loaded = load_track_file(self.track_file)[0]
        self.title = "Spotting phishing" if loaded is None or loaded.id == "phishing-basics" else loaded.title
        self.interactive = interactive
        self.zone = ZoneInfo(ZONE)
        self.clock = VirtualClock(datetime.combine(START - timedelta(days=1), time(12), tzinfo=self.zone))
        settings = Settings(database_url=f"sqlite:///{tmp}/demo.db", _env_file=None)
        upgrade(settings.database_url)
        self.names: dict[str, str] = {}
        self.rule = ""
        self.services: Services = bootstrap(settings, clock=self.clock, echo=self._echo, platforms=False)
        self.tmp = tmp
        self._pressed = False

    def _print_rule(self) -> None:
        if self.rule:
            self.console.print(Rule(self.rule, style="dim"))
            self.rule = ""

    def _echo(self, address: str, message: OutboundMessage, edited: bool) -> None:
        self._print_rule()
        who = self.names.get(address, address)
        local = self.clock.now().astimezone(self.zone)
        if not edited:
            self.console.print(f"[dim]{local:%a %d %b %H:%M} ({ZONE})[/]  → [bold]{who}[/]")
        self.console.print(render(message, edited=edited))

    def setup(self) -> tuple[int, str]:
        """Publish the sample track, import two people and apply a campaign; return the learner."""
        track, problems, _ = load_track_file(self.track_file)
        if track is None:
            raise SystemExit(f"{self.track_file}: " + "; ".join(str(p) for p in problems))
        roster = self.tmp / "people.csv"
        roster.write_text(ROSTER, encoding="utf-8")
        spec = CampaignSpec.model_validate({
            "id": f"demo-{track.id}", "title": self.title, "track": track.id,
            "audience": {"roles": ["learner"]},
            # The campaign began a week earlier (Lea joins now), so Friday's digest is not a skipped first-week one.
            "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30",
                         "start": (START - timedelta(days=7)).isoformat()},
            # Lea's reminder comes with her nudge after 2 unanswered questions; Max hears 2 working days after
            # her first unanswered one, in his one escalation message of the day (from 09:00, with buttons).
            "escalation": {"remind_after": 2, "ladder": [{"manager": 2}], "at": "09:00"},
            "digest": {"day": "fri", "at": "17:00"},
            "learning": {"mastery_days": 7, "pass_mark": 0.6},
        })
        now = self.clock.now()
        with self.services.db.session() as s:
            tracks.publish(s, track, now)
            flows_people.import_roster(s, roster, now)
            flows_campaigns.apply_campaign(s, spec, now)
            for p in reports.all_people(s):
                self.names[p.address] = f"{p.name} ({'manager' if 'manager' in p.role_set else 'learner'})"
            lea = people.find_person(s, "lea@example.org")
            return lea.id, lea.address

    def run(self) -> None:
        """Advance day by day through the real tick, answering as the learner."""
        c = self.console
        c.print(Rule("[bold]nudgebot demo[/]"))
        c.print(f"A throwaway database, the sample track [bold]{self.title}[/], Lea (learner) and Max "
                "(her manager) on the console channel. Nudges go out Mon–Fri at 09:30 Berlin time; Lea is "
                "reminded after 2 unanswered questions and Max hears 2 working days after her first one, in one "
                "escalation message with buttons; Max's weekly digest is Friday 17:00.\n")
        lea_id, lea_addr = self.setup()
        day = START
        scheduled = 0
        # The plan, then Lea keeps answering (right) until she has mastered the track.
        while scheduled < len(AUTO_PLAN) or (scheduled < MAX_DAYS and not self._completed(lea_id)):
            if day.weekday() < 5:
                self.rule = f"{day:%A %d %B %Y}"  # printed before the day's first message
                if scheduled < len(AUTO_PLAN):
                    self._print_rule()
                self._tick_at(day, time(9, 31))
                self._manager_presses()
                self._answer_day(lea_id, lea_addr, AUTO_PLAN[scheduled] if scheduled < len(AUTO_PLAN) else "right")
                if day.weekday() == 4:
                    self._tick_at(day, time(17, 1))
                scheduled += 1
            day += timedelta(days=1)
        c.print("[bold]Lea[/] types /stats")  # the reply is echoed like every other message
        asyncio.run(self.services.conversation.handle(CommandIssued(Sender("console", lea_addr), "stats"), wait=True))
        c.print(Rule("[bold]end of demo[/]"))
        c.print("You saw lessons, questions with instant feedback and an explanation, a friendly reminder, "
                "a manager escalation, a weekly manager digest, earlier mistakes coming back as reviews on "
                "later days and a completion with a score, all through the real scheduler. "
                "Next: `nudgebot content check content/library`, then see the README to run it for real.")

    def _tick_at(self, day: date, at: time) -> None:
        self.clock.set(local_instant(day, at, self.zone))
        asyncio.run(tick(self.services.db, self.services.dispatcher, self.clock.now()))

    def _manager_presses(self) -> None:
        """Max presses "Nudge now" on his first escalation, once: Lea gets a reminder at once."""
        if self._pressed:
            return
        with self.services.db.session() as s:
            max_ = people.find_person(s, "max@example.org")
            sent = [d for d in outbox.of_person(s, max_.id, "escalation") if d.status == "sent"]
            if not sent:
                return
            message = OutboundMessage.from_dict(sent[0].payload)
            address = max_.address
        self._pressed = True
        nudge = message.buttons[0]
        self.console.print(f"[bold]Max[/] presses [{nudge.label}]")
        reply = asyncio.run(self.services.conversation.handle(AnswerChosen(Sender("console", address), nudge.action),
                                                              wait=True))
        if reply.notice:
            self.console.print(f"[dim]{reply.notice}[/]")

    def _answer_day(self, lea_id: int, lea_addr: str, plan: str | None) -> None:
        for _ in range(8):  # reviews, then the unit's questions; each answer may bring the next one
            self.clock.advance(timedelta(minutes=2))
            with self.services.db.session() as s:
                d = outbox.open_question(s, lea_id, self.clock.now())
                if d is None:
                    return
                v = s.get(TrackVersion, d.track_version_id)
                assert v is not None
                question, did = track_of(v).question(d.item)[1], d.id
            if self.interactive:
                given = self._ask(question)
            else:
                given = None if plan is None else scripted_reply(question, plan == "right")
            if given is None:
                self.console.print("[dim italic]Lea doesn't answer today.[/]")
                return
            sender = Sender("console", lea_addr)
            if question.type in ("single", "true_false") and given.isdigit() \
                    and 1 <= int(given) <= len(question.choices):
                self.console.print(f"[bold]Lea[/] answers [{given}] {question.choices[int(given) - 1].text}")
                event: InboundEvent = AnswerChosen(sender, answer_action(did, int(given) - 1))
            else:
                self.console.print(f"[bold]Lea[/] types: {given}")
                event = TextSent(sender, given)
            reply = asyncio.run(self.services.conversation.handle(event, wait=True))
            if reply.notice:
                self.console.print(reply.notice)

    def _completed(self, lea_id: int) -> bool:
        with self.services.db.session() as s:
            return progress.completions(s, [lea_id]) > 0

    def _ask(self, question: Question) -> str | None:
        how = {"multiple": "the numbers of every right choice, like 1,3", "short": "your answer",
               "numeric": "a number"}.get(question.type, f"1-{len(question.choices)}")
        try:
            raw = input(f"Your answer as Lea ({how}; Enter to stay silent): ").strip()
        except EOFError:
            return None
        return raw or None
