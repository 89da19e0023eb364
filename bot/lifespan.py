"""One lifespan for every long-running process (web, worker, run): start channels and worker, stop both.

Stopping is graceful: no new work is taken, a running tick and queued replies get `grace` seconds
to finish, and whatever is still claimed after that is given back to the outbox for the next worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from bot.bootstrap import Services
from bot.inbox_replay import replaying

log = logging.getLogger("nudgebot")


@contextlib.asynccontextmanager
async def running(services: Services, *, worker: bool, grace: float | None = None) -> AsyncIterator[None]:
    """Start the channels (and the periodic worker); stop both, in reverse, on the way out."""
    grace = services.settings.shutdown_grace_seconds if grace is None else grace
    await services.start()
    w = services.worker() if worker else None
    if w is not None:
        w.start()
    # A worker polls for what a web app hands off (the same settings reach both in one deployment).
    poll = worker and services.settings.inbox_hand_off
    replay = asyncio.get_running_loop().create_task(replaying(services, poll=poll), name="inbox-replay")
    try:
        yield
    finally:
        replay.cancel()
        await asyncio.wait([replay])
        services.dispatcher.stop()
        if w is not None:
            await w.shutdown(grace)
        try:
            await asyncio.wait_for(services.stop(), grace)
        except TimeoutError:
            log.warning("shutdown: replies still being sent after %gs were left in the outbox", grace)
