"""One lifespan for every long-running process (web, worker, run): start channels and worker, stop both."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.bootstrap import Services


@contextlib.asynccontextmanager
async def running(services: Services, *, worker: bool) -> AsyncIterator[None]:
    """Start the channels (and the periodic worker); stop both, in reverse, on the way out."""
    await services.start()
    w = services.worker() if worker else None
    if w is not None:
        w.start()
    try:
        yield
    finally:
        if w is not None:
            w.stop()
        await services.stop()
