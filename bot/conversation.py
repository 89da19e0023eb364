"""The bot's side of a conversation, platform-neutral: answers, commands, joining, time zones.

Adapters turn platform requests into core.ports events and show the Reply; this module never
knows which platform it talks to. Database work runs in the database's own thread, off the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import answering, habits, recall
from bot.answering import Edit, Outcome
from bot.dashboard.links import sign_in_url
from bot.i18n import LANGUAGES, MESSAGES, format_datetime, format_time, format_weekdays, language_of, t
from bot.inbound_batch import Batcher, ReplySender
from bot.pausing import PauseRefused, pause_until, refusal
from bot.reach import TYPED_COMMANDS, didnt_understand, help_text
from core.clock import Clock
from core.db import Database, hold_loaded
from core.models import Campaign, Person
from core.ports import (
    AnswerChosen,
    Button,
    ChatChannel,
    CommandIssued,
    GroupChat,
    InboundEvent,
    Joined,
    Kept,
    LocationShared,
    OutboundMessage,
    ProfileChanged,
    Reachable,
    Reply,
    Sender,
    TextSent,
    Unreachable,
    UnsupportedSent,
)
from core.render import info_message, parse_escalation_action
from core.services import dashboard, inbound, inbox, outbox, people
from core.services.memory import completion_of
from core.services.progress import active_enrollments, person_stats
from core.services.tracks import latest_version, track_of, unit_count
from core.services.translations import localized
from flows import learning
from flows import people as flows_people
from scheduler import ladder_actions
from scheduler.dispatcher import Dispatcher

log = logging.getLogger("nudgebot.conversation")

# A few likely zones per language, offered as one-tap choices when someone joins.
LIKELY_ZONES: dict[str, list[str]] = {
    "en": ["Europe/London", "America/New_York", "America/Chicago", "America/Los_Angeles", "Australia/Sydney"],
    "de": ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"],
    "fr": ["Europe/Paris", "Europe/Brussels", "America/Montreal", "Africa/Abidjan"],
    "es": ["Europe/Madrid", "America/Mexico_City", "America/Bogota", "America/Argentina/Buenos_Aires"],
    "pt": ["Europe/Lisbon", "America/Sao_Paulo"],
    "it": ["Europe/Rome"],
    "nl": ["Europe/Amsterdam", "Europe/Brussels"],
    "pl": ["Europe/Warsaw"],
    "uk": ["Europe/Kyiv"],
    "ru": ["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk"],
    "tr": ["Europe/Istanbul"],
    "hi": ["Asia/Kolkata"],
    "ja": ["Asia/Tokyo"],
    "zh": ["Asia/Shanghai", "Asia/Taipei", "Asia/Singapore"],
}


_Edit = Edit
_Outcome = Outcome


_finder: Any = None


def zone_at(latitude: float, longitude: float) -> str | None:
    """Return the IANA zone at a point, offline (timezonefinder)."""
    global _finder
    if _finder is None:
        from timezonefinder import TimezoneFinder

        _finder = TimezoneFinder()
    zone: str | None = _finder.timezone_at(lng=longitude, lat=latitude)
    return zone


class Conversation:
    """Handles neutral inbound events for every channel."""

    def __init__(self, db: Database, channels: Mapping[str, ChatChannel], dispatcher: Dispatcher,
                 clock: Clock, dashboard_url: str = "", hand_off: bool = False) -> None:
        self.db = db
        self.hand_off = hand_off  # inbox events are left to the workers' poll (see `receive`)
        self.dashboard_url = dashboard_url
        self.channels = channels
        self.dispatcher = dispatcher
        self.clock = clock
        # Events that arrive together share a transaction; their replies share a dispatcher pass.
        self._batch = Batcher(db)
        # Events kept before their ack commit apart from the handling, ahead of it in the database's thread:
        # an ack waits for one small insert per event, not behind the batches recording earlier ones.
        self._inbox = Batcher(db, urgent=True)
        self._replies = ReplySender(dispatcher.send_now)

    async def seen(self, key: str) -> bool:
        """Return True if the inbound event `key` was handled before; otherwise remember it."""
        return not await self._batch.run(lambda s: inbound.first_time(s, key, self.clock.now()))

    async def receive(self, platform: str, key: str, payload: str) -> Kept:
        """Keep a verified event in the inbox, in one commit with those arriving now; say who handles it."""
        claim = not self.hand_off
        fresh = await self._inbox.run(lambda s: inbox.store(s, platform, key, payload, self.clock.now(), claim=claim))
        if not fresh:
            return "handled_before"
        return "handle" if claim else "handed_off"

    async def handle(self, event: InboundEvent, *, can_toast: bool = True, reply_via: str = "", once: str = "",
                     wait: bool = False) -> Reply:
        """Handle one inbound event in one short transaction; queue its replies in the outbox and send them soon.

        With `once`, an event key seen before changes nothing and gets `Reply(repeated=True)`. The
        returned Reply's notice is for the adapter to show as a toast; its messages are already queued
        (listed for callers that report them) and must not be sent again.
        """
        reply, ids = await self._batch.run(lambda s: self._handle_and_queue(s, event, can_toast, reply_via, once))
        if ids:
            # Through the outbox like everything else (order, retries, rate limits), right away, without
            # waiting behind a large scheduled pass, and not inside the platform's request.
            chat = (event.sender.channel, event.sender.user_id)
            if wait:
                await self._replies.now(chat, ids)
            else:
                self._replies.queue(chat, ids)
        return reply

    async def drain(self) -> None:
        """Wait until the replies queued so far have been handed to their platforms."""
        await self._replies.drain()

    def _handle_and_queue(self, s: Session, event: InboundEvent, can_toast: bool,
                          reply_via: str, once: str = "") -> tuple[Reply, list[int]]:
        hold_loaded(s)  # the services below look up the same few rows again and again
        if once:
            # Marked in the transaction that handles it: exactly once. An event not in the inbox has only
            # the record of events handled to go by.
            taken = inbox.done(s, once, self.clock.now())
            if taken is False or (taken is None and not inbound.first_time(s, once, self.clock.now())):
                return Reply(repeated=True), []
        sender = event.sender
        person = people.person_by_chat(s, sender.channel, sender.user_id, sender.workspace)
        outcome = self._handle(s, event, person)
        now = self.clock.now()
        reply = outcome.reply
        if reply.notice and not reply.messages and not can_toast:
            reply = Reply(messages=[info_message(reply.notice)])
        if isinstance(event, Joined):  # joining may have linked (or created) the person
            person = people.person_by_chat(s, sender.channel, sender.user_id, sender.workspace)
        pid = person.id if person is not None else None
        address = sender.user_id
        if isinstance(event, GroupChat):  # the reply goes to the group, not to anyone's private chat
            pid, address = None, event.chat_id
        ids: list[int] = []
        if outcome.edit is not None and outcome.edit.ref:
            e = outcome.edit
            ids.append(outbox.enqueue_reply(s, channel=e.channel, address=e.address, person_id=pid,
                                            message=e.message, now=now, edit_ref=e.ref).id)
        for m in reply.messages:
            ids.append(outbox.enqueue_reply(s, channel=sender.channel, address=address, person_id=pid,
                                            message=replace(m, reply_via=reply_via), now=now).id)
        return reply, ids + outcome.dispatch

    # --- the synchronous core of each event, inside one transaction ---

    def _handle(self, s: Session, event: InboundEvent, person: Person | None) -> _Outcome:
        now = self.clock.now()
        sender = event.sender
        if isinstance(event, Joined):
            return self._joined(s, event, person, now)
        if isinstance(event, GroupChat):
            return _Outcome(habits.group_reply(s, event, person, now))
        if person is None:
            if isinstance(event, ProfileChanged | Unreachable | Reachable):
                return _Outcome(Reply())
            if isinstance(event, AnswerChosen):  # a press gets a private note, not a new conversation
                return _Outcome(Reply(notice=t(sender.language, "unknown_person")))
            return _Outcome(Reply(notice=t(sender.language, "unknown_person"),
                                  messages=[info_message(t(sender.language, "unknown_person"))]))
        if isinstance(event, AnswerChosen):
            return self._answer(s, event, person, now)
        if isinstance(event, CommandIssued):
            return self._command(s, event, person, now)
        if isinstance(event, TextSent):
            return self._typed(s, event, person, now)
        if isinstance(event, LocationShared):
            zone = zone_at(event.latitude, event.longitude)
            if zone is None:
                return _Outcome(Reply(messages=[info_message(t(person.locale, "tz_unknown", text="📍"))]))
            return self._set_zone(s, person, zone, "location", now)
        if isinstance(event, ProfileChanged):
            return self._profile(s, event, person, now)
        if isinstance(event, UnsupportedSent):
            return _Outcome(habits.unsupported_reply(s, event, person, now))
        if isinstance(event, Unreachable):
            people.mark_unreachable(s, person, sender.channel, sender.user_id, event.status)
            return _Outcome(Reply())
        if isinstance(event, Reachable):
            people.mark_reachable(s, person, sender.channel, sender.user_id)
            return _Outcome(Reply())
        return _Outcome(Reply())

    def _answer(self, s: Session, event: AnswerChosen, person: Person, now: datetime) -> _Outcome:
        if event.action.startswith("tz:"):
            done = self._set_zone(s, person, event.action[3:], "chat", now)
            # The suggestions have served: show the choice instead of buttons that still look pressable.
            used = habits.without_buttons(s, person, event.sender.channel, event.message_ref, event.action[3:])
            if used is not None and done.edit is None:
                done.edit = _Edit(event.sender.channel, used[0], event.message_ref, used[1])
            return done
        esc = parse_escalation_action(event.action)
        if esc is not None:  # a manager's button on an escalation
            pressed = ladder_actions.act(s, person, esc[0], esc[1], now,
                                         tuple(n for n in self.channels if n != "console"))
            return _Outcome(Reply(notice=pressed.notice), dispatch=pressed.send)
        return answering.press(s, event, person, now)

    def _command(self, s: Session, event: CommandIssued, person: Person, now: datetime) -> _Outcome:
        cmd = event.command.lower().lstrip("/")
        args = event.args
        loc = person.locale
        if cmd in ("help", "start", ""):
            return _reply(help_text(loc, event.sender.channel))
        if cmd == "stats":
            return _reply(self._stats_text(s, person, now), title=t(loc, "stats_title"))
        if cmd == "pause":
            today = _local_today(person, now)
            try:
                until = pause_until(args, today, loc)
            except PauseRefused as refused:
                return _reply(refusal(refused, loc, today))
            flows_people.pause(s, person, until, now)
            when = t(loc, "paused_until", date=until.isoformat()) if until else ""
            return _reply(t(loc, "paused", until=when))
        if cmd == "resume":
            if person.status != "paused":
                return _reply(t(loc, "not_paused"))
            flows_people.resume(s, person, now)
            return _reply(t(loc, "resumed"))
        if cmd in ("timezone", "tz"):
            if not args:
                if person.timezone is None:
                    return _reply(t(loc, "tz_none"))
                source = t(loc, f"tz_source_{person.tz_source}") if f"tz_source_{person.tz_source}" in MESSAGES \
                    else person.tz_source
                return _reply(t(loc, "tz_show", zone=person.timezone, source=source))
            return self._text(s, " ".join(args), person, now, force_zone=True)
        if cmd == "next":
            return self._next(s, person, now)
        if cmd == "dashboard" and self.dashboard_url:
            token = dashboard.issue_sign_in(s, person, now)
            return _reply(t(loc, "dashboard_link", url=sign_in_url(self.dashboard_url, token)))
        if cmd in ("history", "search"):
            return _reply(*recall.chat_reply(s, person, cmd, args, event.sender.channel))
        if cmd == "channel":
            return self._channel(person, args)
        if cmd == "language":
            if args and args[0].lower() in LANGUAGES:
                flows_people.set_language(person, args[0].lower())
                return _reply(t(person.locale, "language_set"))
            langs = ", ".join(f"{k} ({v})" for k, v in LANGUAGES.items())
            return _reply(t(loc, "language_list", langs=langs))
        return _reply(didnt_understand(loc, event.sender.channel))

    def _typed(self, s: Session, event: TextSent, person: Person, now: datetime) -> _Outcome:
        # Typed in a chat: a command word ("help", "/stats", "pause 3"), an answer to the open question
        # (a choice's number, a short or numeric reply), or a time zone.
        words = event.text.split()
        head = words[0].lower().lstrip("/").split("@", 1)[0] if words else ""
        if head in TYPED_COMMANDS:
            return self._command(s, CommandIssued(event.sender, head, words[1:]), person, now)
        if inbound.awaiting(s, person.id) != "timezone":
            answered = answering.typed_reply(s, event, person, now)
            if answered is not None:
                return answered
        outcome = self._text(s, event.text, person, now)
        if outcome.reply.messages and outcome.reply.messages[0].text == t(person.locale, "didnt_understand"):
            return _reply(didnt_understand(person.locale, event.sender.channel))
        return outcome

    def _channel(self, person: Person, args: list[str]) -> _Outcome:
        have = [a.platform for a in person.accounts if a.status == "active"]
        if args and flows_people.set_channel(person, args[0].lower()):
            return _reply(t(person.locale, "channel_set", channel=args[0].lower()))
        return _reply(t(person.locale, "channel_list", current=person.channel, channels=", ".join(have) or "–"))

    def _next(self, s: Session, person: Person, now: datetime) -> _Outcome:
        ids = learning.next_unit(s, person, now)
        if ids:
            return _Outcome(Reply(), dispatch=ids)  # the lesson itself is the answer
        return _reply(t(person.locale, "next_none"))

    def _text(self, s: Session, text: str, person: Person, now: datetime, force_zone: bool = False) -> _Outcome:
        wants_zone = force_zone or person.timezone is None or inbound.awaiting(s, person.id) == "timezone"
        if not wants_zone:
            return _reply(t(person.locale, "didnt_understand"))
        zone = people.canonical_timezone(text)
        if zone is not None:
            return self._set_zone(s, person, zone, "chat", now)
        near = people.suggest_timezones(text, n=4)
        if not near:
            return _reply(t(person.locale, "tz_unknown", text=text))
        inbound.expect(s, person.id, "timezone", now)
        buttons = tuple(Button(z.replace("_", " "), f"tz:{z}") for z in near)
        return _Outcome(Reply(messages=[OutboundMessage(kind="info", text=t(person.locale, "tz_confirm"),
                                                        buttons=buttons, locale=person.locale)]))

    def _set_zone(self, s: Session, person: Person, zone: str, source: str, now: datetime) -> _Outcome:
        canonical = people.canonical_timezone(zone)
        if canonical is None:
            return _reply(t(person.locale, "tz_unknown", text=zone))
        flows_people.set_timezone(s, person, canonical, source, now)
        inbound.answered(s, person.id)
        nxt = min((e.next_due_at for e in active_enrollments(s, person.id) if e.next_due_at), default=None)
        z = ZoneInfo(canonical)
        loc = person.locale
        when = t(loc, "tz_next", when=format_datetime(nxt, z, loc, "day_at_time")) if nxt else ""
        done = _reply(t(loc, "tz_set", zone=canonical, local=format_time(now, z, loc), next=when))
        done.reply.messages[0] = replace(done.reply.messages[0], hint="close_keyboard")
        return done

    def _joined(self, s: Session, event: Joined, person: Person | None, now: datetime) -> _Outcome:
        sender = event.sender
        lang = (person.locale if person else None) or sender.language
        if not event.code:
            if person is None:
                return _reply(t(lang, "unknown_person"))
            return _reply(help_text(lang, sender.channel))
        r = flows_people.join(s, event.code, platform=sender.channel, user_id=sender.user_id,
                   name=sender.display_name or sender.user_id, language=language_of(sender.language), now=now,
                   workspace=sender.workspace)
        if r.status in ("unknown", "expired", "used_up", "taken"):
            return _reply(t(lang, f"invite_{r.status}"))
        assert r.person is not None
        p = r.person
        msgs: list[OutboundMessage] = []
        first = (p.name or sender.display_name).split(" ")[0] or t(p.locale, "there")
        if r.campaign is not None:
            key = "welcome_back" if r.status == "already" else "welcome"
            msgs.append(info_message(self._welcome(s, key, p, r.campaign, first), title="nudgebot"))
        else:
            msgs.append(info_message(t(p.locale, "linked", name=first)))
        if p.timezone is None:
            inbound.expect(s, p.id, "timezone", now)
            zones = LIKELY_ZONES.get(language_of(sender.language), LIKELY_ZONES["en"])
            msgs.append(OutboundMessage(kind="info", text=t(p.locale, "ask_timezone"), locale=p.locale,
                                        hint="ask_location",
                                        buttons=tuple(Button(z.replace("_", " "), f"tz:{z}") for z in zones)))
        return _Outcome(Reply(messages=msgs))

    def _welcome(self, s: Session, key: str, p: Person, c: Campaign, first: str) -> str:
        v = latest_version(s, c.track_id)
        objective = ""
        if v is not None:
            track = localized(s, v, track_of(v), p.locale)
            objective = t(p.locale, "goal", objective=track.objective) if track.objective else track.title
        days = format_weekdays(c.days.split(","), p.locale)
        return t(p.locale, key, name=first, campaign=c.title or c.id, objective=objective, days=days, at=c.at_time)

    def _profile(self, s: Session, event: ProfileChanged, person: Person, now: datetime) -> _Outcome:
        flows_people.profile_changed(s, person, event.sender.channel, event.sender.user_id, now,
                                     timezone=event.timezone, locale=event.locale, deleted=event.deleted)
        return _Outcome(Reply())

    def _stats_text(self, s: Session, person: Person, now: datetime) -> str:
        enrollments = active_enrollments(s, person.id)
        if not enrollments:
            return t(person.locale, "stats_none")
        zone = ZoneInfo(person.timezone) if person.timezone else None
        lines = []
        for e in enrollments:
            st = person_stats(s, person.id, campaign_id=e.campaign_id)
            total = unit_count(s, e.campaign.track_id)
            acc = "–" if st.accuracy is None else f"{round(st.accuracy * 100)}%"
            loc = person.locale
            nxt = t(loc, "stats_finished") if e.status == "completed" else t(loc, "stats_not_scheduled")
            if e.next_due_at is not None and zone is not None and person.status == "active":
                nxt = format_datetime(e.next_due_at, zone, loc, "day_time")
            elif person.status == "paused":
                nxt = t(loc, "stats_paused")
            done = completion_of(s, e.id)
            if done is not None:
                nxt = t(loc, "stats_completed", date=f"{done.completed_at:%Y-%m-%d}",
                        score=f"{round(done.score * 100)}%", mark=f"{round(done.pass_mark * 100)}%")
            lines.append(t(loc, "stats_line", campaign=e.campaign.title or e.campaign_id, done=min(e.position, total),
                           total=total, answered=st.answered, sent=st.sent, accuracy=acc, streak=st.streak, next=nxt))
        return "\n".join(lines)


def _local_today(person: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(person.timezone or "UTC")).date()


def _reply(text: str, title: str = "") -> _Outcome:
    return _Outcome(Reply(messages=[info_message(text, title=title)]))


__all__ = ["Conversation", "Reply", "Sender", "zone_at"]
