"""The ChatChannel port and the neutral messages and events that cross it.

A chat platform adapter (bot/channels/<name>/) implements ChatChannel and turns its
platform's inbound requests into the neutral events below; nothing else in the
service knows which platform a person uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from core.clock import Clock
    from core.db import Database
    from core.ratelimit import SharedLimiter

MessageKind = Literal["lesson", "question", "feedback", "reminder", "escalation", "digest", "info"]


@dataclass(frozen=True)
class Button:
    """One choice a person can press; `action` is an opaque payload of at most 64 bytes."""

    label: str
    action: str


@dataclass(frozen=True)
class Outcome:
    """How a question was answered, shown when a question message is edited into feedback."""

    chosen: str
    correct: bool
    correct_choice: str
    feedback: str
    explanation: str
    score: float | None = None  # partial credit in [0, 1] (multiple response); None for one pressed choice


@dataclass(frozen=True)
class Image:
    """A picture sent with a message (a digest chart, a lesson's or a question's picture).

    The outbox stores only `key`, `name`, `media_type`, `alt` and `url`; the bytes live in the
    `attachments` table under `key`, and the dispatcher fills `data` in before the channel sends.
    A picture on the web has a `url` instead (and no key): the platform fetches it itself.
    """

    key: str
    name: str
    media_type: str = "image/png"
    alt: str = ""
    data: bytes = field(default=b"", repr=False, compare=False)
    url: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    """A platform-neutral message: a title, Markdown body, optional buttons, table and outcome."""

    kind: MessageKind
    text: str
    title: str = ""
    buttons: tuple[Button, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()
    outcome: Outcome | None = None
    footer: str = ""
    # An opaque place to answer in, from the inbound request (e.g. a platform's reply URL); the
    # channel falls back to a direct message when it is empty or no longer works.
    reply_via: str = ""
    locale: str = "en"  # the reader's language, for the few words a channel adds around the text
    # The outbox key, set by the dispatcher (never stored in the payload): a channel that can tag a
    # message with it can later tell whether a send interrupted by a crash reached the platform.
    delivery_key: str = ""
    # A platform habit the channel may honour: "ask_location" (offer a share-location button),
    # "close_keyboard" (take away a reply keyboard offered earlier), "long" (show typing first).
    hint: str = ""
    image: Image | None = None
    # Facts kept with the stored message for later use (e.g. a digest's team numbers); channels ignore it.
    record: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage in the outbox."""
        return {
            "kind": self.kind,
            "text": self.text,
            "title": self.title,
            "buttons": [[b.label, b.action] for b in self.buttons],
            "table": [list(r) for r in self.table],
            "outcome": None if self.outcome is None else self.outcome.__dict__,
            "footer": self.footer,
            "reply_via": self.reply_via,
            "locale": self.locale,
            "hint": self.hint,
            **({"record": self.record} if self.record else {}),
            **({} if self.image is None else {"image": {"key": self.image.key, "name": self.image.name,
                                                        "media_type": self.image.media_type,
                                                        "alt": self.image.alt,
                                                        **({"url": self.image.url} if self.image.url else {})}}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], delivery_key: str = "") -> OutboundMessage:
        """Rebuild a message stored with to_dict (tagged with its outbox key when given)."""
        outcome = data.get("outcome")
        image = data.get("image")
        return cls(
            kind=data["kind"],
            text=data["text"],
            title=data.get("title", ""),
            buttons=tuple(Button(label, action) for label, action in data.get("buttons", [])),
            table=tuple(tuple(r) for r in data.get("table", [])),
            outcome=None if outcome is None else Outcome(**outcome),
            footer=data.get("footer", ""),
            reply_via=data.get("reply_via", ""),
            locale=data.get("locale", "en"),
            hint=data.get("hint", ""),
            image=None if not isinstance(image, dict) else Image(**image),
            record=dict(data.get("record") or {}),
            delivery_key=delivery_key,
        )


class DeliveryError(Exception):
    """A send failed; subclasses say whether and when to try again."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (HTTP 429); retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(f"{detail}; retry after {retry_after}s")
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """A temporary failure (5xx, network); retry with backoff."""


class RecipientGone(DeliveryError):
    """The recipient can never be reached on this channel (blocked the bot, deactivated, left)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status  # the person's new status: "blocked" or "deactivated"


@runtime_checkable
class ChatChannel(Protocol):
    """What the scheduler and services need from a chat platform."""

    name: str

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Send `message` to the platform address; return the platform's message reference."""
        ...

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Replace a sent message (e.g. a question with its feedback)."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A channel that can find a message it sent by its `delivery_key` (after a crash mid-send)."""

    async def find_sent(self, address: str, delivery_key: str) -> str | None:
        """Return the ref of the message tagged with `delivery_key` at `address`, or None if none was sent."""
        ...


# Inbound events: what a platform adapter hands to bot.conversation.


@dataclass(frozen=True)
class Sender:
    """Who did something on a platform: the channel name and the person's id there."""

    channel: str
    user_id: str
    display_name: str = ""
    language: str = ""
    workspace: str = ""


@dataclass(frozen=True)
class AnswerChosen:
    """A person pressed a choice button."""

    sender: Sender
    action: str
    message_ref: str = ""


@dataclass(frozen=True)
class CommandIssued:
    """A person sent a command such as help, stats, pause 3, resume, timezone X, next."""

    sender: Sender
    command: str
    args: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TextSent:
    """A person typed free text."""

    sender: Sender
    text: str


@dataclass(frozen=True)
class Joined:
    """A person opened an invite (a deep link carrying `code`); `code` may be empty."""

    sender: Sender
    code: str = ""


@dataclass(frozen=True)
class LocationShared:
    """A person shared a location, to set their time zone."""

    sender: Sender
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ProfileChanged:
    """The platform reports a changed profile; empty fields are unknown."""

    sender: Sender
    timezone: str = ""
    locale: str = ""
    deleted: bool = False


@dataclass(frozen=True)
class Unreachable:
    """The platform says the person can no longer be reached (blocked the bot, deactivated)."""

    sender: Sender
    status: str = "blocked"


@dataclass(frozen=True)
class Reachable:
    """The platform says the person can be reached again (unblocked the bot)."""

    sender: Sender


@dataclass(frozen=True)
class UnsupportedSent:
    """A person sent something the bot cannot read (a sticker, a photo, a voice message, a file)."""

    sender: Sender
    what: str = ""


@dataclass(frozen=True)
class GroupChat:
    """Someone addressed the bot in a group chat (or added it to one); `chat_id` is the group's address."""

    sender: Sender
    chat_id: str


InboundEvent = (AnswerChosen | CommandIssued | TextSent | Joined | LocationShared | ProfileChanged
                | Unreachable | Reachable | UnsupportedSent | GroupChat)


# What a channel package may use: the inbound handler it hands events to, and the host it installs into.


@dataclass
class Reply:
    """What an adapter shows the sender at once: a short private notice (a toast, an ephemeral note).

    Messages are not here: the handler queues them in the outbox, which sends them in order, with
    retries and within the platform's rate limits, like every other message.
    """

    notice: str = ""
    messages: list[OutboundMessage] = field(default_factory=list)
    repeated: bool = False  # the event was handled before (a platform's retry): nothing was done


# What became of an event kept in the inbox: the caller handles it now, a worker will (the web app hands
# events off), or it was handled before (a platform's retry).
Kept = Literal["handle", "handed_off", "handled_before"]


class InboundHandler(Protocol):
    """Takes neutral events from a channel and answers them."""

    async def handle(self, event: InboundEvent, *, can_toast: bool = True, reply_via: str = "",
                     once: str = "") -> Reply:
        """Handle one event; with `can_toast` False a notice is sent as a message instead.

        With `once` (the platform's id of the event) a retried delivery changes nothing: the check and
        the event's work share one transaction, and the Reply says `repeated`.
        """
        ...

    async def seen(self, key: str) -> bool:
        """Return True if the platform event `key` was handled before; otherwise remember it."""
        ...

    async def receive(self, platform: str, key: str, payload: str) -> Kept:
        """Keep a verified event in the inbox (committed on return); say who handles it.

        Call it before acknowledging the event; on "handle", handle the event with `once=key` (that marks
        it done). A handed-off event is taken by a worker's inbox poll at once; one left open (its
        process died) is given to the platform's replay (`ChannelHost.on_inbox`) after its lease.
        """
        ...

    async def drain(self) -> None:
        """Wait until the replies queued so far have been handed to their platforms."""
        ...


Hook = Callable[[], Awaitable[None]]
Replay = Callable[[str, str], Awaitable[None]]  # handles an inbox event again: (key, payload)


class ChannelHost(Protocol):
    """Where a chat platform installs itself: its channel, web routes and lifecycle hooks."""

    @property
    def db(self) -> Database:
        """The database, for the channel's own queries through core services."""
        ...

    @property
    def clock(self) -> Clock:
        """The service's clock."""
        ...

    @property
    def inbound(self) -> InboundHandler:
        """The handler to give inbound events to."""
        ...

    @property
    def rate_limiter(self) -> SharedLimiter:
        """The rate limiter every process of the deployment shares (core/ratelimit.py)."""
        ...

    def add_channel(self, channel: ChatChannel) -> None:
        """Register a channel under its `name`, so deliveries on that platform go through it."""
        ...

    def add_route(self, path: str, endpoint: Callable[..., Awaitable[Any]], methods: list[str]) -> None:
        """Serve `endpoint` (an ASGI request handler) at `path` in the web app."""
        ...

    def on_startup(self, hook: Hook) -> None:
        """Run `hook` when the web app or worker starts."""
        ...

    def on_shutdown(self, hook: Hook) -> None:
        """Run `hook` when the web app or worker stops."""
        ...

    def before_tick(self, hook: Hook) -> None:
        """Run `hook` before each scheduler tick (e.g. to fetch profiles before planning)."""
        ...

    def on_inbox(self, platform: str, replay: Replay) -> None:
        """Let `replay` handle this platform's inbox events left open (their process died before handling them)."""
        ...

    def provide(self, name: str, value: Any) -> None:
        """Make one of the channel's objects reachable by name (its CLI, tests)."""
        ...
