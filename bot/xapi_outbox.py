"""Send the xAPI outbox to the LRS configured by LRS_URL: a step run before every worker tick."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.lrs import LRSClient
from bot.settings import Settings
from core import xapi
from core.clock import Clock
from core.db import Database
from core.services import statements

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger("nudgebot.xapi")
BATCH = 100


@dataclass
class Drained:
    """What one pass over the outbox did."""

    sent: int = 0
    rejected: int = 0
    retry: int = 0
    error: str | None = None


def config_from(settings: Settings) -> xapi.XapiConfig:
    """Return the statement-building configuration from the settings."""
    return xapi.XapiConfig(activity_base=settings.xapi_activity_base.rstrip("/"),
                           home_page=settings.xapi_home_page.rstrip("/"),
                           namespace=uuid.UUID(settings.xapi_namespace) if settings.xapi_namespace
                           else xapi.DEFAULT_NAMESPACE,
                           identify_by="mbox" if settings.xapi_identify_by == "mbox" else "account")


async def send_pending(db: Database, client: LRSClient, clock: Clock, batch: int = BATCH) -> Drained:
    """Send due statements in batches until none is left or the LRS asks to wait; record every outcome."""
    total = Drained()
    while True:
        now = clock.now()
        with db.session() as s:
            rows = statements.due(s, now, batch)
            payload = [r.statement for r in rows]
        if not rows:
            return total
        result = await client.send(payload)
        with db.session() as s:
            statements.settle(s, statements.by_ids(s, [r.statement_id for r in rows]), sent=result.sent,
                              rejected={r.statement_id: r.message for r in result.rejected},
                              retry=result.retry, error=result.error, retry_after=result.retry_after, now=clock.now())
        total.sent += len(result.sent)
        total.rejected += len(result.rejected)
        total.retry += len(result.retry)
        if result.retry or len(rows) < batch:
            total.error = result.error
            if result.error:
                log.warning("xAPI: %d statement(s) wait for the LRS: %s", len(result.retry), result.error)
            return total


def install(services: Services, settings: Settings) -> LRSClient | None:
    """When LRS_URL is set, queue statements in every session and drain the outbox before each tick."""
    if not settings.lrs_url:
        return None
    services.db.sessions.configure(info={statements.XAPI_INFO: config_from(settings)})
    client = LRSClient(settings.lrs_url, settings.lrs_username or "", settings.lrs_password or "",
                       clock=services.clock)
    lock = asyncio.Lock()

    async def drain() -> None:
        async with lock:
            await send_pending(services.db, client, services.clock)

    services.before_tick(drain)
    services.on_shutdown(client.aclose)
    services.provide("lrs", client)
    return client
