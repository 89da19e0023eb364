"""Handle the inbox events nobody is handling: those the web app handed off, and those whose process died.

Every long-running process (web, worker, run) looks at start-up and then every few seconds for events
left open past their lease; a process that runs the worker also polls every `inbox_poll_seconds` for
events the web app handed off (INBOX_HAND_OFF). The platform's replay (registered with `on_inbox`)
handles each event through the usual path, whose event key keeps it to once even if two processes
take the same event.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.bootstrap import Services
from core.services import inbox

log = logging.getLogger("nudgebot.inbox")


async def replay_once(services: Services, *, handed_off: bool = False) -> int:
    """Handle the open events whose lease ran out (and, with `handed_off`, those handed off); return how many."""
    replays = services.replays
    if not replays:
        return 0
    lease = timedelta(seconds=services.settings.inbox_lease_seconds)

    def take() -> list[inbox.Taken]:
        with services.db.session() as s:
            return inbox.claim(s, sorted(replays), services.clock.now(), lease, handed_off=handed_off)

    taken = await services.db.run(take)
    # Handled side by side, so the conversation records those that arrived together in shared transactions.
    results = await asyncio.gather(*(replays[t.platform](t.key, t.payload) for t in taken), return_exceptions=True)
    for t, result in zip(taken, results, strict=True):
        if isinstance(result, Exception):  # left open: tried again after its lease, up to inbox.MAX_ATTEMPTS times
            log.error("inbox: %s could not be handled (%r)", t.key, result, exc_info=result)
        elif isinstance(result, BaseException):
            raise result
    lapsed = sum(1 for t in taken if not t.handed_off)
    if lapsed:
        log.warning("inbox: handled %d events left open (a process stopped before handling them)", lapsed)
    return len(taken)


async def replaying(services: Services, *, poll: bool = False) -> None:
    """Replay open events now and every `inbox_replay_seconds` (with `poll`, every `inbox_poll_seconds`)."""
    interval = services.settings.inbox_poll_seconds if poll else services.settings.inbox_replay_seconds
    while True:
        try:
            while await replay_once(services, handed_off=poll) >= 100:  # a backlog: take the next batch at once
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbox: replay failed")
        await asyncio.sleep(interval)
