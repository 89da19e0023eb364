"""Fill people's Slack id, time zone and locale from the workspace (users.lookupByEmail, users.info)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.events import profile_event
from core.models import Person
from core.ports import ChannelHost, DeliveryError, Reachable, RecipientGone, RetryLater, TransientError, Unreachable
from core.services import people

log = logging.getLogger("nudgebot.slack")

NOT_FOUND = "user not found in the workspace"
DEACTIVATED = "account is deactivated in Slack"
NO_ZONE = "Slack has no time zone for this user; set one in the roster or ask them to use /nudge timezone"


@dataclass(frozen=True)
class Candidate:
    """A person to ask Slack about, detached from its session."""

    person_id: int
    handle: str
    email: str | None
    slack_id: str | None
    timezone: str | None


@dataclass
class SyncReport:
    """What one sync pass found: people updated and one line per problem."""

    checked: int = 0
    linked: int = 0
    lines: list[str] = field(default_factory=list)
    interrupted: str = ""


def _candidates(host: ChannelHost, force: bool, limit: int) -> list[Candidate]:
    with host.db.session() as s:
        return [Candidate(p.id, p.handle, p.email, p.account_id("slack"), p.timezone)
                for p in people.people_to_check(s, "slack", by_email=True, force=force, limit=limit)]


def _note(host: ChannelHost, person_id: int, note: str | None) -> None:
    with host.db.session() as s:
        people.note_platform_check(s, person_id, host.clock.now(), note)


def _link(host: ChannelHost, person_id: int, user_id: str) -> str | None:
    with host.db.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            return "was removed meanwhile"
        holder = people.link_account(s, person, "slack", user_id, host.clock.now())
        return None if holder is None else f"Slack user {user_id} already belongs to {holder.handle}"


async def check_one(host: ChannelHost, channel: SlackChannel, c: Candidate, report: SyncReport) -> None:
    """Ask Slack about one person and apply what it says; transient failures propagate to stop the pass."""
    slack_id = c.slack_id
    if slack_id is None:
        assert c.email is not None
        found = await channel.lookup_by_email(c.email)
        if found is None:
            await _problem(host, c, NOT_FOUND, report)
            return
        conflict = await asyncio.to_thread(_link, host, c.person_id, str(found["id"]))
        if conflict:
            await _problem(host, c, conflict, report)
            return
        slack_id = str(found["id"])
        report.linked += 1
    try:
        user: dict[str, Any] = await channel.user_info(slack_id)
    except RecipientGone:
        await _problem(host, c, NOT_FOUND, report, unreachable=slack_id)
        return
    event = profile_event(user)
    await host.inbound.handle(event)
    if event.deleted:
        await _problem(host, c, DEACTIVATED, report)
        return
    if not user.get("is_bot"):
        # A user reactivated in Slack can be reached again.
        await host.inbound.handle(Reachable(event.sender))
    fresh = await asyncio.to_thread(_zone_of, host, c.person_id)
    note = NO_ZONE if fresh is None else None
    if note:
        report.lines.append(f"slack: {c.handle}: {note}")
        log.warning("slack: %s: %s", c.handle, note)
    await asyncio.to_thread(_note, host, c.person_id, note)


def _zone_of(host: ChannelHost, person_id: int) -> str | None:
    with host.db.session() as s:
        person = s.get(Person, person_id)
        return None if person is None else person.timezone


async def _problem(host: ChannelHost, c: Candidate, note: str, report: SyncReport,
                   unreachable: str | None = None) -> None:
    report.lines.append(f"slack: {c.handle}: {note}")
    log.warning("slack: %s: %s", c.email or c.handle, note)
    if unreachable:
        await host.inbound.handle(Unreachable(profile_event({"id": unreachable}).sender,
                                                        status="deactivated"))
    await asyncio.to_thread(_note, host, c.person_id, note)


async def sync_profiles(host: ChannelHost, channel: SlackChannel, *, force: bool = False,
                        limit: int = 100, concurrency: int = 4) -> SyncReport:
    """Check up to `limit` people not yet checked (all of them with `force`) against the workspace."""
    report = SyncReport()
    candidates = await asyncio.to_thread(_candidates, host, force, limit)
    sem = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def run(c: Candidate) -> None:
        async with sem:
            if stop.is_set():
                return
            try:
                await check_one(host, channel, c, report)
                report.checked += 1
            except (RetryLater, TransientError) as exc:
                # Slack is busy or down: leave the rest unchecked and try again next tick.
                report.interrupted = str(exc)
                stop.set()
            except DeliveryError as exc:
                await _problem(host, c, str(exc), report)

    await asyncio.gather(*(run(c) for c in candidates))
    return report


def before_tick_hook(host: ChannelHost, channel: SlackChannel) -> Any:
    """Return the hook that checks new people before each tick plans their deliveries."""

    async def hook() -> None:
        try:
            report = await sync_profiles(host, channel)
        except Exception:  # a failed lookup must not stop the tick
            log.exception("slack: profile sync failed")
            return
        if report.interrupted:
            log.info("slack: profile sync paused: %s", report.interrupted)

    return hook
