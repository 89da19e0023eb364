"""Test support shared by every suite: a loopback-only network guard, polling, a faster clock, and the
HTTP server the platform emulators run on."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

import pytest


def is_loopback(address: Any) -> bool:
    """Return True for an address on this machine (127.0.0.0/8, ::1, localhost, a Unix socket path)."""
    if isinstance(address, str | bytes):
        return True
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str) or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def guard_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection beyond the loopback interface fail the test at once."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(sock: socket.socket, address: Any) -> Any:
        if not is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> Any:
        if not is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy and return its value (work that runs after an HTTP ack)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class ScaledTime:
    """A clock running `factor` times faster than the wall clock, and a sleep that matches it.

    Emulators and nudgebot's limiter that share one keep every limit and Retry-After in its seconds,
    so a test that paces a chat at one message a second waits a tenth of that at factor 10.
    """

    def __init__(self, factor: float, base: float | None = None) -> None:
        self.factor = factor
        self.base = time.time() if base is None else base

    def clock(self) -> float:
        """Return the scaled time in seconds."""
        return self.base + (time.time() - self.base) * self.factor

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of scaled time."""
        await asyncio.sleep(max(0.0, seconds) / self.factor)


class EmulatorServer(ThreadingHTTPServer):
    """The emulators' HTTP server: a thread per connection, and a listen backlog that takes a burst.

    With the default backlog of 5, a burst of new connections (slack_sdk opens one per call) overflows
    it; the kernel drops the extra SYNs and each of those clients tries again only a second later.
    """

    request_queue_size = 256
    daemon_threads = True

    def serve_forever(self, poll_interval: float = 0.02) -> None:
        """Serve until shutdown(), which waits for the next poll: the default half second, per test, adds up."""
        super().serve_forever(poll_interval)
