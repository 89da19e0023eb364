"""The console channel: messages land in the database (and optionally on a terminal) instantly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.clock import Clock
from core.db import Database
from core.ports import OutboundMessage
from core.services import chatlog

Echo = Callable[[str, OutboundMessage, bool], None]  # (address, message, edited)


class ConsoleChannel:
    """A ChatChannel for trying nudgebot in a terminal; addresses are person ids."""

    name = "console"

    def __init__(self, db: Database, clock: Clock, echo: Echo | None = None) -> None:
        self.db = db
        self.clock = clock
        self.echo = echo

    def _append(self, address: str, message: OutboundMessage) -> int:
        with self.db.session() as s:
            return chatlog.append(s, address, message, self.clock.now())

    def _replace(self, ref: int, message: OutboundMessage) -> None:
        with self.db.session() as s:
            chatlog.replace(s, ref, message, self.clock.now())

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Store the message in the console mailbox and show it if a terminal is attached."""
        ref = await asyncio.to_thread(self._append, address, message)
        if self.echo is not None:
            self.echo(address, message, False)
        return str(ref)

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Replace a message in the mailbox and show the new version."""
        await asyncio.to_thread(self._replace, int(ref), message)
        if self.echo is not None:
            self.echo(address, message, True)
