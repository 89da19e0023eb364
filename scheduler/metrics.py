"""The scheduler's Prometheus metrics, made only in a process that serves them (the web app's /metrics).

`nudgebot tick` and a lone `nudgebot worker` serve no /metrics, so nothing could ever read what they counted:
they skip prometheus_client, whose import is a noticeable part of their start-up.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

_made: dict[str, Any] = {}


def expose() -> None:
    """Make the metrics (once): from now on what the scheduler does in this process is counted."""
    if _made:
        return
    from prometheus_client import Counter, Histogram

    _made["sent"] = Counter("nudgebot_messages_sent", "Messages accepted by a chat platform", ["channel", "kind"])
    _made["not_sent"] = Counter("nudgebot_messages_not_sent", "Sends that will be retried or were given up",
                                ["channel", "reason"])
    _made["tick"] = Histogram("nudgebot_tick_seconds", "Duration of one scheduler tick",
                              buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900))


def count_sent(channel: str, kind: str) -> None:
    """Count one message a chat platform accepted."""
    if _made:
        _made["sent"].labels(channel, kind).inc()


def count_not_sent(channel: str, reason: str) -> None:
    """Count one send that will be retried or was given up."""
    if _made:
        _made["not_sent"].labels(channel, reason).inc()


def time_tick() -> AbstractContextManager[Any]:
    """Return a context that records the duration of the tick it wraps."""
    timer: AbstractContextManager[Any] = _made["tick"].time() if _made else nullcontext()
    return timer
