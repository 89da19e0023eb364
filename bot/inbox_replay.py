"""Handle again the inbox events whose process died after acknowledging them, before handling them.

Every long-running process (web, worker, run) looks at start-up and then every few seconds; the
platform's replay (registered with `on_inbox`) handles each event through the usual path, whose
event key keeps it to once even if two processes take the same event.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.bootstrap import Services
from core.services import inbox

log = logging.getLogger("nudgebot.inbox")


async def replay_once(services: Services) -> int:
    """Handle the open events whose lease ran out; return how many were taken."""
    replays = services.replays
    if not replays:
        return 0
    lease = timedelta(seconds=services.settings.inbox_lease_seconds)

    def take() -> list[tuple[str, str, str]]:
        with services.db.session() as s:
            return inbox.claim(s, sorted(replays), services.clock.now(), lease)

    taken = await services.db.run(take)
    for platform, key, payload in taken:
        try:
            await replays[platform](key, payload)
        except Exception:  # left open: the next replay tries again, up to inbox.MAX_ATTEMPTS times
            log.exception("inbox: %s could not be handled again", key)
    if taken:
        log.warning("inbox: handled %d events left open (a process stopped before handling them)", len(taken))
    return len(taken)


async def replaying(services: Services) -> None:
    """Replay open events now and every `inbox_replay_seconds`, until cancelled."""
    while True:
        try:
            while await replay_once(services) >= 100:  # a backlog: take the next batch at once
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbox: replay failed")
        await asyncio.sleep(services.settings.inbox_replay_seconds)
