"""slack_sdk's Web API client with its connections kept open on the event loop that serves the app."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_internal_utils import _request_with_session

MAX_CONNECTIONS = 32  # open connections to the Web API on the serving loop


class PooledWebClient(AsyncWebClient):
    """An AsyncWebClient that reuses one aiohttp session (and its open connections) on its own loop.

    slack_sdk opens a new session, so a new TCP (and TLS) connection, for every call without one; on
    the web app's loop that is most of the cost of a reply. A session belongs to one event loop, so
    calls made on any other loop (a worker thread's, a CLI's) still get a session each, as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pooled: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Keep a session open on the running loop for the calls made on it, until `aclose`."""
        await self.aclose()
        self._loop = asyncio.get_running_loop()
        self._pooled = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=30.0))

    async def aclose(self) -> None:
        """Close the kept-open session, if any."""
        pooled, self._pooled, self._loop = self._pooled, None, None
        if pooled is not None:
            await pooled.close()

    def _session_here(self) -> aiohttp.ClientSession | None:
        if self._pooled is not None and not self._pooled.closed and asyncio.get_running_loop() is self._loop:
            return self._pooled
        return self.session

    async def _request(self, *, http_verb: str, api_url: str, req_args: dict[str, Any]) -> dict[str, Any]:
        """Submit the request on this loop's kept-open session, or on a session of its own."""
        return await _request_with_session(
            current_session=self._session_here(), timeout=self.timeout, logger=self._logger, http_verb=http_verb,
            api_url=api_url, req_args=req_args, retry_handlers=self.retry_handlers)
