"""The console channel: messages land in the database (and optionally on a terminal) instantly."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from core.batching import Batcher
from core.clock import Clock
from core.db import Database
from core.ports import OutboundMessage
from core.services import chatlog

Echo = Callable[[str, OutboundMessage, bool], None]  # (address, message, edited)


class ConsoleChannel:
    """A ChatChannel for trying nudgebot in a terminal; addresses are person ids."""

    name = "console"

    def __init__(self, db: Database, clock: Clock, echo: Echo | None = None, files_dir: Path | None = None) -> None:
        self.db = db
        self.clock = clock
        self.echo = echo
        # Images (digest charts) are written here and the message shows the path.
        self.files_dir = files_dir or Path(tempfile.gettempdir()) / "nudgebot-console"
        # Messages sent meanwhile are stored together, in one statement.
        self._mailbox: Batcher[tuple[str, OutboundMessage], int] = Batcher(self._append_many)

    def _with_file(self, message: OutboundMessage) -> OutboundMessage:
        """Write the message's image to a file and show its alt text and path (or URL) in the footer."""
        image = message.image
        if image is None or not (image.data or image.url):
            return message
        lines = [message.footer] if message.footer else []
        if image.alt:
            lines.append(f"🖼 {image.alt}")
        if image.data:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / (re.sub(r"[^A-Za-z0-9._-]+", "_", image.key) + Path(image.name).suffix)
            path.write_bytes(image.data)
            lines.append(f"📎 {path}")
        else:
            lines.append(f"🔗 {image.url}")
        return dataclasses.replace(message, footer="\n".join(lines), image=dataclasses.replace(image, data=b""))

    def _append_many(self, items: Sequence[tuple[str, OutboundMessage]]) -> list[int]:
        with self.db.session() as s:
            return chatlog.append_many(s, items, self.clock.now())

    def _replace(self, ref: int, message: OutboundMessage) -> None:
        with self.db.session() as s:
            chatlog.replace(s, ref, message, self.clock.now())

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Store the message in the console mailbox and show it if a terminal is attached."""
        if message.image is not None and message.image.data:
            message = await asyncio.to_thread(self._with_file, message)
        elif message.image is not None:
            message = self._with_file(message)  # a picture on the web: its alt text and address, no file
        ref = await self._mailbox.submit((address, message))
        if self.echo is not None:
            self.echo(address, message, False)
        return str(ref)

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Replace a message in the mailbox and show the new version."""
        await asyncio.to_thread(self._replace, int(ref), message)
        if self.echo is not None:
            self.echo(address, message, True)
