"""Inbound Telegram updates: translate them into neutral events, hand them to the conversation, reply.

The same path serves the webhook and long polling: `to_event` is a pure translation of a
telegram.Update, `Inbound.process` is the thin handler around it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Update, User
from telegram.error import Conflict, RetryAfter, TelegramError

from bot.channels.telegram.channel import TelegramChannel, retry_seconds
from core.ports import (
    AnswerChosen,
    CommandIssued,
    GroupChat,
    InboundEvent,
    InboundHandler,
    Joined,
    Kept,
    LocationShared,
    Reachable,
    RecipientGone,
    RetryLater,
    Sender,
    TextSent,
    TransientError,
    Unreachable,
    UnsupportedSent,
)

log = logging.getLogger("nudgebot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
WEBHOOK_HINT = "Public https URL of this app's /telegram/webhook endpoint."

def sender_of(user: User) -> Sender:
    """Return the neutral Sender for a Telegram user."""
    return Sender(channel="telegram", user_id=str(user.id), display_name=user.full_name,
                  language=user.language_code or "")


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """Split "/cmd@bot arg1 arg2" into ("cmd", ["arg1", "arg2"]); None if `text` is no command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, *args = text.split()
    command = head[1:].split("@", 1)[0].lower()
    return (command, args) if command else None


UNSUPPORTED = ("sticker", "photo", "voice", "video_note", "video", "animation", "audio", "document", "contact",
               "poll", "dice", "venue")


def unsupported_kind(message: Any) -> str:
    """Return what a text-less message carries that the bot cannot read ("sticker", "photo", ...), or ''."""
    for kind in UNSUPPORTED:
        if getattr(message, kind, None):
            return kind
    return ""


def to_event(update: Update) -> InboundEvent | None:
    """Translate an Update into a neutral inbound event, or None when nudgebot has nothing to do with it."""
    if update.callback_query is not None:
        q = update.callback_query
        ref = f"{q.message.chat.id}:{q.message.message_id}" if q.message is not None else ""
        return AnswerChosen(sender_of(q.from_user), action=q.data or "", message_ref=ref)
    if update.my_chat_member is not None:
        m = update.my_chat_member
        if m.chat.type != "private":
            joined = m.new_chat_member.status in ("member", "administrator")
            return GroupChat(sender_of(m.from_user), str(m.chat.id)) if joined else None
        status = m.new_chat_member.status
        if status in ("kicked", "left"):
            return Unreachable(sender_of(m.from_user), "blocked")
        if status == "member":
            return Reachable(sender_of(m.from_user))
        return None
    msg = update.message
    if msg is None or msg.from_user is None:
        return None
    sender = sender_of(msg.from_user)
    if msg.chat.type != "private":
        return GroupChat(sender, str(msg.chat.id))
    if msg.location is not None:
        return LocationShared(sender, latitude=msg.location.latitude, longitude=msg.location.longitude)
    text = (msg.text or "").strip()
    if not text:
        what = unsupported_kind(msg)
        return UnsupportedSent(sender, what) if what else None
    command = parse_command(text)
    if command is None:
        return TextSent(sender, text)
    name, args = command
    if name == "start":
        return Joined(sender, code=args[0] if args else "")
    return CommandIssued(sender, command=name, args=args)


def update_key(update: Update) -> str:
    """Return the update's key, in the inbox and among the events handled."""
    return f"telegram:update:{update.update_id}"


def chat_of(update: Update) -> str | None:
    """Return the chat to answer in: the private chat the update came from."""
    if update.callback_query is not None:
        return str(update.callback_query.from_user.id)
    if update.message is not None:
        return str(update.message.chat.id)
    return None


class Inbound:
    """Handles updates (from the webhook or polling); replies go through the handler's outbox."""

    def __init__(self, channel: TelegramChannel, handler: InboundHandler, *, answer_within: float = 0.025,
                 keep_within: float = 2.0) -> None:
        self.channel = channel
        self.handler = handler
        self.answer_within = answer_within
        self.keep_within = keep_within
        self._parser = channel.make_bot()  # only for de_json; it never talks to the network
        self._tasks: set[asyncio.Task[str | None]] = set()
        self._lately = 0.0  # seconds recent updates took to handle (a moving average)

    def parse(self, data: dict[str, Any]) -> Update:
        """Parse Update JSON as Telegram sends it."""
        return Update.de_json(data, self._parser)

    async def warm_up(self) -> None:
        """Parse a button press once at start-up, so the first real one does not pay for PTB's lazy imports."""
        chat = {"id": 1, "type": "private", "first_name": "-"}
        self.parse({"update_id": 0, "callback_query": {
            "id": "0", "from": {"id": 1, "is_bot": False, "first_name": "-"}, "chat_instance": "0", "data": "-",
            "message": {"message_id": 1, "date": 0, "chat": chat, "text": "-",
                        "reply_markup": {"inline_keyboard": [[{"text": "-", "callback_data": "-"}]]}}}})

    async def process(self, update: Update) -> str | None:
        """Handle one update exactly once, in one short transaction; return a callback query's notice.

        None means there is no press to answer (no button press, or one handled before). Replies are
        queued, so the caller can answer Telegram at once; the press's answerCallbackQuery is the
        caller's to send, before any reply.
        """
        event = to_event(update)
        press = update.callback_query is not None
        key = update_key(update)
        if event is None:  # nothing to do, so nothing to remember either
            return "" if press else None
        # Only a button press has a toast to show a notice in; elsewhere it becomes a message.
        reply = await self.handler.handle(event, can_toast=press, once=key)
        if reply.repeated:
            log.info("update %s was already handled", update.update_id)
            return None  # its press was answered the first time
        return reply.notice if press else None

    async def process_polled(self, update: Update) -> None:
        """Handle a polled update; a button press gets its answerCallbackQuery (stopping the spinner)."""
        notice: str | None = ""
        try:
            notice = await self.process(update)
        finally:
            if update.callback_query is not None:
                await self._answer_callback(update.callback_query.id, notice or "")

    async def _answer_callback(self, query_id: str, notice: str) -> None:
        try:
            bot = await self.channel.bot()
            await bot.answer_callback_query(query_id, text=notice[:200] or None)
        except (TelegramError, RetryLater, TransientError, RecipientGone) as exc:
            log.warning("could not answer callback query %s: %s", query_id, exc)

    async def receive(self, update: Update, raw: str) -> Kept | None:
        """Keep a webhook's update in the inbox before Telegram hears it arrived; say who handles it.

        None when the database did not keep it within `keep_within` seconds: it is handled once kept,
        and the webhook should fail, so that Telegram sends it again (the retry finds it handled). An
        update nudgebot has nothing to do with is not kept (and handling it does nothing).
        """
        if to_event(update) is None:
            return "handle"
        kept = asyncio.ensure_future(self.handler.receive("telegram", update_key(update), raw))
        done, _ = await asyncio.wait({kept}, timeout=self.keep_within)
        if kept in done:
            return kept.result()
        log.warning("update %s not kept after %gs (the database is slow); Telegram will send it again",
                    update.update_id, self.keep_within)
        self._track(self._once_kept(kept, update))
        return None

    async def _once_kept(self, kept: asyncio.Future[Kept], update: Update) -> str | None:
        try:
            if await kept != "handle":
                return None
        except Exception:
            log.exception("update %s could not be kept; Telegram will send it again", update.update_id)
            return None
        return await self._logged(update)

    def _track(self, work: Coroutine[Any, Any, str | None]) -> asyncio.Task[str | None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def replay(self, key: str, payload: str) -> None:
        """Handle a kept update whose process stopped before handling it (its press was answered then)."""
        await self.process(self.parse(json.loads(payload)))

    async def answer(self, update: Update) -> str | None:
        """Process a webhook's update, waiting at most `answer_within` seconds: what `process` returns.

        A slower update (the database is busy) goes on after the webhook has answered; its press
        is answered without a notice then, so Telegram never waits on us. While updates have lately
        taken longer than that, the webhook answers at once instead of waiting in vain.
        """
        task = self._track(self._logged(update))
        wait = self.answer_within if self._lately <= self.answer_within else 0.0
        done, _ = await asyncio.wait({task}, timeout=wait)
        if task in done:
            return task.result()
        log.info("update %s is taking long; answered, and it goes on", update.update_id)
        return "" if update.callback_query is not None else None

    async def _logged(self, update: Update) -> str | None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            return await self.process(update)
        except Exception:
            log.exception("update %s failed", update.update_id)
            # Telegram would redeliver it; answered all the same (a press's spinner stops), never retried.
            return "" if update.callback_query is not None else None
        finally:
            self._lately = 0.8 * self._lately + 0.2 * (loop.time() - started)

    async def drain(self) -> None:
        """Wait for updates still being handled, then for queued replies to be posted."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))
        await self.handler.drain()


def webhook_endpoint(inbound: Inbound, secret: str | None) -> Callable[[Request], Awaitable[Response]]:
    """Return the starlette endpoint for POST /telegram/webhook."""
    expected = (secret or "").encode()

    async def endpoint(request: Request) -> Response:
        """Check the secret token, then handle the update."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        # Without a configured secret nobody can prove they are Telegram, so nothing gets in.
        if not expected or not hmac.compare_digest(given, expected):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            data = await request.json()
            update = inbound.parse(data)
        except Exception:  # anything unparsable is the sender's problem
            return JSONResponse({"ok": False, "error": "bad update"}, status_code=400)
        # Kept before Telegram hears of it (which never sends it again): a crash after this loses nothing.
        fresh = await inbound.receive(update, json.dumps(data))
        if fresh is None:  # not kept yet: Telegram sends it again, and that finds it handled once kept
            return JSONResponse({"ok": False, "error": "busy, send it again"}, status_code=503)
        if fresh == "handled_before":
            return JSONResponse({"ok": True})  # a redelivery of an update handled before
        if fresh == "handed_off":  # a worker handles it; a press's spinner stops now, without a notice
            return JSONResponse(answer_in_response(update, "") if update.callback_query else {"ok": True})
        notice = await inbound.answer(update)
        if notice is None:
            return JSONResponse({"ok": True})
        return JSONResponse(answer_in_response(update, notice))

    return endpoint


def answer_in_response(update: Update, notice: str) -> dict[str, Any]:
    """Return the webhook response that makes Telegram answer the press's callback query (the toast).

    Telegram performs a method given in a webhook's response, so the spinner stops and the notice
    shows without a Bot API request of ours, and before any reply of the press goes out.
    """
    assert update.callback_query is not None
    answer: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}
    if notice:
        answer["text"] = notice[:200]
    return answer


class Poller:
    """Long polling for development: getUpdates in a task, feeding the same handler as the webhook."""

    def __init__(self, inbound: Inbound, *, timeout: int = 25, idle: float = 1.0, max_backoff: float = 60.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.inbound = inbound
        self.timeout = timeout
        self.idle = idle
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Remove any webhook (Telegram refuses getUpdates while one is set) and start polling."""
        bot = await self.inbound.channel.bot()
        await bot.delete_webhook()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def poll_once(self) -> int:
        """Fetch one batch of updates and handle them; return how many there were."""
        bot = await self.inbound.channel.bot()
        updates = await bot.get_updates(offset=self.offset, timeout=self.timeout,
                                        allowed_updates=ALLOWED_UPDATES)
        for update in updates:
            self.offset = update.update_id + 1
            try:
                await self.inbound.process_polled(update)
            except Exception:
                log.exception("update %s failed", update.update_id)
        return len(updates)

    async def _loop(self) -> None:
        failures = 0
        while True:
            try:
                started = asyncio.get_running_loop().time()
                got = await self.poll_once()
                failures = 0
                if not got and asyncio.get_running_loop().time() - started < self.idle:
                    # An empty answer that came at once (no long poll): don't hammer the server.
                    await self.sleep(self.idle)
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await self.sleep(retry_seconds(exc))
            except Conflict as exc:
                failures += 1
                log.error("getUpdates conflict (another poller or a webhook?): %s", exc.message)
                await self.sleep(self._backoff(failures, 5))
            except Exception as exc:  # keep polling through network trouble, waiting longer each time
                failures += 1
                log.warning("getUpdates failed: %s", exc)
                await self.sleep(self._backoff(failures, 1))

    def _backoff(self, failures: int, base: float) -> float:
        return float(min(self.max_backoff, self.idle * base * 2 ** (failures - 1)))
