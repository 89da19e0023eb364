"""Send xAPI statements to a Learning Record Store and say, per statement, what an outbox should do next.

The contract (docs/xapi.md): every statement carries a deterministic id, so anything not known to be
stored may simply be sent again. `send` never raises for what the LRS or the network does; it sorts
statement ids into sent (stored, or already there), rejected (the LRS will never take them) and retry.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from core.clock import Clock, SystemClock

XAPI_VERSION = "1.0.3"
MAX_MESSAGE = 500


class Verdict(enum.Enum):
    """What one LRS answer means for the statements it was about."""

    SENT = "sent"
    ALREADY_STORED = "already_stored"
    REJECTED = "rejected"
    RETRY = "retry"


def classify(status: int) -> Verdict:
    """Return what an HTTP status from POST /statements means for the batch that was posted."""
    if status in (200, 204):
        return Verdict.SENT
    if status == 409:
        # An id the LRS already holds (with different content): ours went through earlier.
        return Verdict.ALREADY_STORED
    if status in (400, 413, 422):
        # The statement itself is at fault (422 is what some LRSs, Ralph among them, use for 400).
        return Verdict.REJECTED
    # 401/403/404 are our configuration, 408/429/5xx the LRS's state: neither is the statement's fault.
    return Verdict.RETRY


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Parse a Retry-After header (seconds or an HTTP date) into a wait from `now`."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


@dataclass(frozen=True)
class Rejection:
    """A statement the LRS refused for good, with the LRS's own words."""

    statement_id: str
    status: int
    message: str


@dataclass(frozen=True)
class SendResult:
    """Where each statement id of one `send` ended up."""

    sent: tuple[str, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    retry: tuple[str, ...] = ()
    retry_after: timedelta | None = None
    error: str | None = None
    requests: int = field(default=0, compare=False)

    @property
    def ok(self) -> bool:
        """Return True when every statement is stored at the LRS."""
        return not self.rejected and not self.retry

    def merge(self, other: SendResult) -> SendResult:
        """Combine the results of two disjoint groups of statements."""
        waits = [w for w in (self.retry_after, other.retry_after) if w is not None]
        return SendResult(
            sent=self.sent + other.sent,
            rejected=self.rejected + other.rejected,
            retry=self.retry + other.retry,
            retry_after=max(waits) if waits else None,
            error=self.error or other.error,
            requests=self.requests + other.requests,
        )


class LRSClient:
    """Post statements to `<url>/statements` with basic auth and the xAPI version header."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        http: httpx.AsyncClient | None = None,
        *,
        timeout: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        base = url.rstrip("/")
        self.statements_url = base if base.endswith("/statements") else base + "/statements"
        self._auth = httpx.BasicAuth(username, password)
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._clock: Clock = clock if clock is not None else SystemClock()

    async def __aenter__(self) -> LRSClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_http:
            await self._http.aclose()

    async def send(self, statements: Sequence[Mapping[str, Any]]) -> SendResult:
        """Post the statements as one batch; isolate the culprits one by one if the batch is refused."""
        ids = [_statement_id(s, i) for i, s in enumerate(statements)]
        if not statements:
            return SendResult()
        result, verdict = await self._post(statements, ids)
        if verdict in (Verdict.REJECTED, Verdict.ALREADY_STORED) and len(statements) > 1:
            # The LRS takes or refuses a batch whole: one bad or conflicting statement must not
            # decide the fate of the others, so each is sent alone to learn its own answer.
            return await self._one_by_one(statements, ids, spent=result.requests)
        return result

    async def _one_by_one(self, statements: Sequence[Mapping[str, Any]], ids: list[str], spent: int) -> SendResult:
        total = SendResult(requests=spent)
        for index, statement in enumerate(statements):
            single, _ = await self._post([statement], [ids[index]])
            total = total.merge(single)
            if single.retry:
                # The LRS went away or is throttling: leave the rest for the next attempt.
                rest = tuple(ids[index + 1 :])
                return total.merge(SendResult(retry=rest))
        return total

    async def _post(self, statements: Sequence[Mapping[str, Any]], ids: list[str]) -> tuple[SendResult, Verdict]:
        try:
            response = await self._http.post(
                self.statements_url,
                json=list(statements),
                auth=self._auth,
                headers={"X-Experience-API-Version": XAPI_VERSION},
            )
        except httpx.TransportError as exc:
            reason = f"LRS unreachable at {self.statements_url}: {type(exc).__name__} {exc}".strip()
            return SendResult(retry=tuple(ids), error=reason, requests=1), Verdict.RETRY
        verdict = classify(response.status_code)
        if verdict in (Verdict.SENT, Verdict.ALREADY_STORED):
            return SendResult(sent=tuple(ids), requests=1), verdict
        message = f"LRS answered {response.status_code}: {_message(response)}"
        if verdict is Verdict.REJECTED:
            rejected = tuple(Rejection(i, response.status_code, message) for i in ids)
            return SendResult(rejected=rejected, requests=1), verdict
        wait = retry_after(response.headers.get("Retry-After"), self._clock.now())
        return SendResult(retry=tuple(ids), retry_after=wait, error=message, requests=1), verdict


def lrs_client_from_env(env: Mapping[str, str], http: httpx.AsyncClient | None = None) -> LRSClient | None:
    """Return a client for LRS_URL / LRS_USERNAME / LRS_PASSWORD, or None when LRS_URL is unset."""
    url = env.get("LRS_URL", "").strip()
    if not url:
        return None
    return LRSClient(url, env.get("LRS_USERNAME", ""), env.get("LRS_PASSWORD", ""), http)


def _statement_id(statement: Mapping[str, Any], index: int) -> str:
    value = statement.get("id")
    if not isinstance(value, str) or not value:
        raise ValueError(f"statement {index} has no id: an outbox can only track statements built with one")
    return value


def _message(response: httpx.Response) -> str:
    """Return the LRS's explanation, preferring its JSON 'detail' or 'message' over raw text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            if key in body:
                return str(body[key])[:MAX_MESSAGE]
    text = response.text.strip()
    return (text or response.reason_phrase)[:MAX_MESSAGE]
